import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../../src/http/node-server.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { testApp } from './test-app.ts';

let db: Database;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
});
afterAll(() => db.close());

it('serves the app over HTTP on the port it was given (0: any free one)', async () => {
  const server = await startServer(testApp(db), { port: 0 });
  try {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    const response = await fetch(`${server.url}/api/health`, {
      headers: { 'x-correlation-id': 'over-http' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBe('over-http');
    expect(await response.json()).toMatchObject({ status: 'ok', database: { ok: true } });
  } finally {
    await server.close();
  }
  await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
});

it('rejects when the port is taken, naming PORT and what to do', async () => {
  const first = await startServer(testApp(db), { port: 0 });
  try {
    const port = Number(new URL(first.url).port);
    await expect(startServer(testApp(db), { port })).rejects.toMatchObject({
      code: 'port_in_use',
      failureType: 'config',
      userMessage: `PORT ${port} is in use by another program (127.0.0.1:${port}).`,
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  } finally {
    await first.close();
  }
});
