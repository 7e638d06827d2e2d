import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for Supabase Realtime's hosted service, which cannot run here: a WebSocket server
 * at `/realtime/v1/websocket` that speaks the Phoenix protocol supabase-js 2.x uses (vsn 2.0.0:
 * JSON arrays `[join_ref, ref, topic, event, payload]`). It answers joins, leaves and heartbeats
 * and lets the test broadcast, fail or close a channel, the way the service would. The client
 * under test is the real supabase-js in a real browser.
 */
export interface RealtimeStandIn {
  /** What to give `createClient` as the Supabase URL. */
  url: string;
  /** Topics joined now (without supabase-js's `realtime:` prefix), with the join's payload. */
  joined(): { topic: string; payload: Record<string, unknown> }[];
  /** How many joins the topic has seen (rejoins included). */
  joinCount(topic: string): number;
  broadcast(topic: string, event: string, payload: unknown): void;
  /** The channel errors; supabase-js rejoins it by itself. */
  fail(topic: string): void;
  /** The service closes the channel. */
  close(topic: string): void;
  stop(): Promise<void>;
}

type Frame = [string | null, string | null, string, string, Record<string, unknown>];
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export async function startRealtimeStandIn(): Promise<RealtimeStandIn> {
  const joins = new Map<
    string,
    { socket: Socket; joinRef: string; payload: Record<string, unknown> }
  >();
  const joinCounts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const send = (socket: Socket, frame: Frame) =>
    socket.write(encodeTextFrame(JSON.stringify(frame)));

  const onFrame = (socket: Socket, text: string) => {
    const [joinRef, ref, topic, event, payload] = JSON.parse(text) as Frame;
    const reply = (response: Record<string, unknown> = {}) =>
      send(socket, [joinRef, ref, topic, 'phx_reply', { status: 'ok', response }]);
    const name = topic.replace(/^realtime:/, '');
    if (event === 'phx_join') {
      joins.set(name, { socket, joinRef: joinRef ?? '', payload });
      joinCounts.set(name, (joinCounts.get(name) ?? 0) + 1);
      return reply();
    }
    if (event === 'phx_leave') joins.delete(name);
    reply();
  };

  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!req.url?.startsWith('/realtime/v1/websocket') || typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1')
      .update(key + WEBSOCKET_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    readFrames(socket, (text) => onFrame(socket, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const toChannel = (topic: string, event: string, payload: Record<string, unknown>) => {
    const join = joins.get(topic);
    if (!join) throw new Error(`nobody has joined ${topic}`);
    send(join.socket, [join.joinRef, null, `realtime:${topic}`, event, payload]);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    joined: () => [...joins].map(([topic, { payload }]) => ({ topic, payload })),
    joinCount: (topic) => joinCounts.get(topic) ?? 0,
    broadcast: (topic, event, payload) =>
      toChannel(topic, 'broadcast', { type: 'broadcast', event, payload }),
    fail(topic) {
      toChannel(topic, 'phx_error', {});
      joins.delete(topic);
    },
    close(topic) {
      toChannel(topic, 'phx_close', {});
      joins.delete(topic);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads the client's frames (always masked, never fragmented for messages this small). */
function readFrames(socket: Socket, onText: (text: string) => void): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = (buffer[0] ?? 0) & 0x0f;
      let length = (buffer[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + 4 + length) return;
      const mask = buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
      buffer = buffer.subarray(offset + 4 + length);
      if (opcode === 0x1) onText(payload.toString('utf8'));
      else if (opcode === 0x8) socket.end();
    }
  });
}

function encodeTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}
