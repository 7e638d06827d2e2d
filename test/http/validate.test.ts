import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_BODY_BYTES, validateJson, validateQuery } from '../../src/http/validate.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { errorOf, testApp } from './test-app.ts';

const runBody = z.object({
  name: z.string().min(1),
  distanceMeters: z.number().positive(),
  tags: z.array(z.string()).default([]),
});
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

let db: Database;
let app: ReturnType<typeof testApp>;
let writes: unknown[];

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  // The production app, plus routes that exist only in this test.
  app = testApp(db);
  app.post('/api/test/runs', validateJson(runBody), (c) => {
    const run = c.req.valid('json');
    writes.push(run);
    return c.json(run, 201);
  });
  app.get('/api/test/runs', validateQuery(listQuery), (c) => c.json(c.req.valid('query')));
});
afterAll(() => db.close());

function post(body: string, contentType = 'application/json') {
  writes = [];
  return app.request('/api/test/runs', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}

describe('validateJson', () => {
  it('passes the parsed, defaulted body to the handler', async () => {
    const response = await post(JSON.stringify({ name: 'Tempo', distanceMeters: 8000 }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'Tempo', distanceMeters: 8000, tags: [] });
  });

  it('answers 400 listing each invalid field by path, and the handler never runs', async () => {
    const response = await post(JSON.stringify({ name: '', distanceMeters: 'far', tags: [1] }));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid_body');
    expect(error.hint).toEqual(expect.any(String));
    expect(error.message).toContain('body.name');
    expect(error.fields?.map((field) => field.path)).toEqual([
      'body.name',
      'body.distanceMeters',
      'body.tags.0',
    ]);
    for (const field of error.fields ?? []) expect(field.message).toEqual(expect.any(String));
    expect(writes).toEqual([]);
  });

  it('answers 400 for a body that is not an object', async () => {
    const error = await errorOf(await post('[1, 2]'));
    expect(error.code).toBe('invalid_body');
    expect(error.fields?.[0]?.path).toBe('body');
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await post('{"name": "Tempo",');
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: 'malformed_json', fields: [] });
    expect(error.message).toEqual(expect.any(String));
    expect(error.hint).toEqual(expect.any(String));
    expect(writes).toEqual([]);
  });

  it('answers 400 for an empty body', async () => {
    expect((await errorOf(await post(''))).code).toBe('malformed_json');
  });

  it('answers 400 for a body that is not sent as JSON', async () => {
    const response = await post('name=Tempo', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('invalid_content_type');
  });

  it('accepts JSON media types with parameters and +json suffixes', async () => {
    const body = JSON.stringify({ name: 'Easy', distanceMeters: 5000 });
    expect((await post(body, 'application/json; charset=utf-8')).status).toBe(201);
    expect((await post(body, 'application/merge-patch+json')).status).toBe(201);
  });

  it('answers 413 for a body over the limit, streamed or declared', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES), distanceMeters: 1 });
    const streamed = await post(huge);
    expect(streamed.status).toBe(413);
    const error = await errorOf(streamed);
    expect(error.code).toBe('payload_too_large');
    expect(error.hint).toEqual(expect.any(String));

    const declared = await app.request('/api/test/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(huge.length) },
      body: huge,
    });
    expect(declared.status).toBe(413);
    expect(writes).toEqual([]);
  });
});

describe('validateQuery', () => {
  it('coerces and defaults the query string', async () => {
    expect(await (await app.request('/api/test/runs?limit=5')).json()).toEqual({ limit: 5 });
    expect(await (await app.request('/api/test/runs')).json()).toEqual({ limit: 20 });
  });

  it('answers 400 naming the query parameter', async () => {
    const response = await app.request('/api/test/runs?limit=500');
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid_query');
    expect(error.fields?.map((field) => field.path)).toEqual(['query.limit']);
  });
});
