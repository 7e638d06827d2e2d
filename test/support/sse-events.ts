import type { SessionView } from '../../src/api/contract.ts';

export interface SseEvent {
  event: string;
  data: SessionView;
  /** When the test read it (wall clock). */
  atMs: number;
}

/** Reads Server-Sent Events off a response body as they arrive, until the server ends it. */
export function readEvents(response: Response) {
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      for (let split = buffer.indexOf('\n\n'); split >= 0; split = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), atMs: Date.now() });
      }
    }
  })();
  return {
    events,
    ended,
    /** Stops reading: the server sees the client go away. */
    cancel: () => reader.cancel(),
    async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!events.some(predicate)) {
        if (Date.now() > deadline)
          throw new Error(`no such event; got ${JSON.stringify(events.map((e) => e.event))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return events.find(predicate)!;
    },
  };
}
