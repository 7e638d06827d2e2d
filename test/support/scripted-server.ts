import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Step = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP server that answers with the given steps in order, and fails the test at `close`
 * if a step was never used or a request came after the last one.
 */
export async function startScriptedServer(steps: Step[]) {
  const script = [...steps];
  const seen: string[] = [];
  const hanging: ServerResponse[] = [];
  const unexpected: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    const step = script.shift();
    if (!step) {
      unexpected.push(`${req.method} ${req.url}`);
      res.writeHead(599).end();
      return;
    }
    if (step === 'hang') {
      hanging.push(res);
      return;
    }
    res
      .writeHead(step.status, { 'content-type': 'application/json', ...step.headers })
      .end(step.body ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...seen],
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (unexpected.length > 0) throw new Error(`unexpected requests: ${unexpected.join(', ')}`);
      if (script.length > 0) throw new Error(`${script.length} expected request(s) never came`);
    },
  };
}
