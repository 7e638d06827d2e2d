/** One Server-Sent Event: its type (`message` unless named) and its data lines joined. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds decoded text as it arrives, cut anywhere; returns the events it completed. */
  push(text: string): ServerSentEvent[];
}

/**
 * The event-stream format of the HTML standard, for reading a stream with fetch (EventSource
 * cannot send an Authorization header). Lines end in LF, CRLF or CR, even split across chunks;
 * a blank line dispatches; `:` lines are comments (heartbeats); `id` and `retry` are not used
 * here, since the client reconnects on its own terms and the server starts with a snapshot.
 */
export function createSseParser(): SseParser {
  let pending = '';
  let event = '';
  let data: string[] = [];

  const takeLine = (line: string, out: ServerSentEvent[]) => {
    if (line === '') {
      if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };

  return {
    push(text) {
      const out: ServerSentEvent[] = [];
      pending += text;
      for (;;) {
        const end = pending.search(/\r\n|\r|\n/);
        if (end < 0) break;
        // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
        if (pending[end] === '\r' && end === pending.length - 1) break;
        const breakLength = pending.startsWith('\r\n', end) ? 2 : 1;
        takeLine(pending.slice(0, end), out);
        pending = pending.slice(end + breakLength);
      }
      return out;
    },
  };
}
