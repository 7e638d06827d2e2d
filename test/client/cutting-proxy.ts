import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of the API that can do to progress streams what networks do: cut
 * them mid-way, or refuse them (a corporate proxy answering 502 to anything that streams).
 * Everything else passes through untouched, and every request is logged.
 */
export interface CuttingProxy {
  url: string;
  /** `METHOD /path?query` of every request, in arrival order. */
  readonly requests: string[];
  /** While true, `/events` requests get a 502 page instead of the stream. */
  blockEvents: boolean;
  /** Cuts every open `/events` stream, both towards the client and towards the server. */
  cutEvents(): void;
  /** How many `/events` streams are open through the proxy now. */
  openStreams(): number;
  close(): Promise<void>;
}

const EVENTS_PATH = /\/events(\?|$)/;

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const streams = new Set<{ res: ServerResponse; upstream: ReturnType<typeof request> }>();
  const requests: string[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push(`${req.method} ${path}`);
    const isEvents = EVENTS_PATH.test(path);
    if (isEvents && proxy.blockEvents) {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const upstream = request(new URL(path, target), { method: req.method, headers: req.headers });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
    if (!isEvents) return;
    const stream = { res, upstream };
    streams.add(stream);
    res.on('close', () => streams.delete(stream));
  };

  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: CuttingProxy = {
    url: `http://127.0.0.1:${port}`,
    requests,
    blockEvents: false,
    cutEvents() {
      for (const { res, upstream } of streams) {
        res.destroy();
        upstream.destroy();
      }
    },
    openStreams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cutEvents();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
