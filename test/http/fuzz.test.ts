import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from '../../src/core/clock.ts';
import { STARTABLE_SYNC_KINDS } from '../../src/core/glossary.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { MAX_BODY_BYTES } from '../../src/http/validate.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import type { Database } from '../../src/store/database.ts';
import { createOAuthStates } from '../../src/strava/oauth-state.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { readApiSample } from '../support/api-samples.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser, seedUserRows } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { captureLogs, JWT_SECRET } from './test-app.ts';

/**
 * Random and malformed requests against every JSON endpoint, over HTTP against a started server.
 * Every case is built to be refused (invalid, unauthorized, too large, or a valid start by a user
 * with no Strava connection), so the whole database must be byte for byte the same afterwards.
 * The generator is seeded: a failure names its seed; `FUZZ_SEED=<seed>` replays it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const CASES_PER_ENDPOINT = 130;
const PARALLEL_REQUESTS = 8;
const VERIFY_TOKEN = 'fuzz-webhook-verify-token';
const METRICS_TOKEN = 'fuzz-metrics-token';
const PUBLIC_URL = 'http://localhost:8787';

// --- A reproducible source of randomness ---------------------------------------------------

interface Random {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, and the same sequence for the same seed on every machine. */
function makeRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[int(0, items.length - 1)] as T,
    chance: (p) => next() < p,
  };
}

// --- Random values ---------------------------------------------------------------------------

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const ODD_TEXT = [
  "' or 1=1 --",
  '../../etc/passwd',
  '\u0024{jndi:ldap://x}',
  '<script>alert(1)</script>',
  '\u0000',
  '\u202e\ufeff\u200b',
  '日本語のテキスト',
  '😀🏃‍♀️',
  '\ud800',
  'null',
  'NaN',
  'Infinity',
  '1e309',
  ' 5 ',
  '0x10',
  '-0',
  '',
];
const ODD_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 63,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  4_294_967_296,
  1e21,
];

function randomString(r: Random, maxLength = 40): string {
  switch (r.int(0, 4)) {
    case 0:
      return Array.from({ length: r.int(1, maxLength) }, () =>
        String.fromCharCode(r.int(32, 126)),
      ).join('');
    case 1:
      return Array.from({ length: r.int(1, maxLength) }, () =>
        String.fromCharCode(r.int(0, 0x2fff)),
      ).join('');
    case 2:
      return Array.from({ length: r.int(1, 8) }, () => String.fromCharCode(r.int(0, 31))).join('');
    case 3:
      return r.pick(ODD_TEXT);
    default:
      return r.pick(['x', 'é', '0', ' ']).repeat(r.int(maxLength, maxLength * 50));
  }
}

function randomJson(r: Random, depth = 0): unknown {
  switch (r.int(0, depth > 2 ? 3 : 5)) {
    case 0:
      return r.pick([null, true, false]);
    case 1:
      return r.chance(0.5) ? r.pick(ODD_NUMBERS) : (r.next() - 0.5) * 10 ** r.int(0, 30);
    case 2:
    case 3:
      return randomString(r, 30);
    case 4:
      return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth + 1));
    default:
      return randomObject(r, depth + 1);
  }
}

function randomObject(r: Random, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = r.int(0, 4); i > 0; i--) {
    const key = r.chance(0.4) ? r.pick(POLLUTION_KEYS) : randomString(r, 12);
    // defineProperty: a plain assignment to `__proto__` would set the prototype, not a key.
    Object.defineProperty(object, key, {
      value: randomJson(r, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** A text that is not JSON, checked the way the server reads it (UTF-8, BOM dropped). */
function malformedJson(r: Random): Buffer {
  const sample = JSON.stringify({ kind: 'backfill', note: randomString(r, 10) });
  const candidates = [
    () => sample.slice(0, r.int(0, sample.length - 1)),
    () => `{'kind': 'backfill'}`,
    () => '{"kind": "backfill",}',
    () => '{"kind": NaN}',
    () => '{"kind": "backfill" /* comment */}',
    () => '',
    () => ' \n\t ',
    () => randomString(r, 200),
    () => '['.repeat(r.int(1, 5000)),
    () => `{"kind": "${'\\u00zz'}"}`,
    () => 'undefined',
  ];
  let text = r.pick(candidates)();
  if (parsesOnServer(Buffer.from(text))) text = `{${text}`;
  return Buffer.from(text);
}

/** What the server's `c.req.text()` then `JSON.parse` make of a body, or undefined. */
function serverJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder().decode(body)) };
  } catch {
    return undefined;
  }
}
const parsesOnServer = (body: Buffer) => serverJson(body) !== undefined;

/** Deeply nested JSON, within the body limit. */
function deepJson(r: Random): string {
  const depth = r.int(100, 20_000);
  return r.chance(0.5)
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Percent-encodes the UTF-8 bytes of `value` (lone surrogates become U+FFFD, as a browser sends). */
function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(ch)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

const MALFORMED_ESCAPES = ['%', '%zz', '%E0%A4', '%C0%AF', '%FF%FE', '%u0041'];
const JUNK_PARAMS: [string, string][] = [
  ['__proto__', 'x'],
  ['constructor', 'y'],
  ['%zz%E0', '%C0%AF'],
  ['', 'empty-key'],
];

/**
 * A query string of `params`, now and then with a malformed escape before a value and junk
 * parameters beside them. A prefix only ever lengthens a non-empty value, so it never makes an
 * invalid value valid (empty values are left empty); it can make a valid one invalid, so cases
 * that must pass validation pass `mangle = false`.
 */
function queryString(params: [string, string][], r: Random, mangle = true): string {
  const parts = params.map(([key, value]) => {
    const prefix = mangle && value !== '' && r.chance(0.1) ? r.pick(MALFORMED_ESCAPES) : '';
    return `${encode(key)}=${prefix}${encode(value)}`;
  });
  if (r.chance(0.15)) {
    const [key, value] = r.pick(JUNK_PARAMS);
    parts.push(`${key === '%zz%E0' ? key : encode(key)}=${value}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function randomUuid(r: Random): string {
  const hex = Array.from({ length: 32 }, () => r.int(0, 15).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

// --- The cases -------------------------------------------------------------------------------

interface FuzzCase {
  endpoint: string;
  /** Why the server must refuse it. */
  kind: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: boolean;
  status: number;
  codes: readonly string[];
}

type Expectation = Pick<FuzzCase, 'kind' | 'status' | 'codes'>;

interface BadAuthorization {
  header: string | undefined;
  code: 'missing_token' | 'invalid_token' | 'expired_token';
}

interface Fixture {
  r: Random;
  /** Authorization headers: a user with a Strava connection, a session and runs; one without. */
  connected: string;
  unconnected: string;
  badAuthorizations: BadAuthorization[];
  /** A session of the connected user: someone else's, to the unconnected user. */
  foreignSessionId: string;
  states: { live: string; expired: string; used: string };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const NOT_JSON_TYPES = [
  undefined,
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/jsonp',
  'application/json5',
  'text/json',
  'application/xml',
  'application/octet-stream',
  'application/ json',
  '*/*',
];

const MALFORMED_JSON: Expectation = { kind: 'malformed', status: 400, codes: ['malformed_json'] };
const INVALID_BODY: Expectation = { kind: 'invalid', status: 400, codes: ['invalid_body'] };
const INVALID_QUERY: Expectation = { kind: 'invalid', status: 400, codes: ['invalid_query'] };
const NOT_FOUND: Expectation = {
  kind: 'unknown-or-foreign-id',
  status: 404,
  codes: ['sync_not_found', 'activity_not_found', 'not_found'],
};

function unauthorized(f: Fixture): { headers: Record<string, string> } & Expectation {
  const bad = f.r.pick(f.badAuthorizations);
  return {
    headers: bad.header === undefined ? {} : { authorization: bad.header },
    kind: 'unauthorized',
    status: 401,
    codes: [bad.code],
  };
}

function oversized(f: Fixture): Pick<FuzzCase, 'body' | 'chunked'> & Expectation {
  const filler = 'x'.repeat(MAX_BODY_BYTES + f.r.int(1, 100_000));
  return {
    body: Buffer.from(JSON.stringify({ kind: 'backfill', filler })),
    chunked: f.r.chance(0.5),
    kind: 'oversized',
    status: 413,
    codes: ['payload_too_large'],
  };
}

const anyUser = (f: Fixture) => ({ authorization: f.r.pick([f.connected, f.unconnected]) });

/** `POST /api/syncs`: refused before anything is written, whatever the body. */
function startSyncCase(f: Fixture): FuzzCase {
  const base = { endpoint: 'POST /api/syncs', method: 'POST', path: '/api/syncs' } as const;
  const roll = f.r.int(0, 9);
  if (roll === 0) return { ...base, ...oversized(f), headers: { ...anyUser(f), ...JSON_TYPE } };
  if (roll === 1) {
    const { headers, ...expect } = unauthorized(f);
    return { ...base, ...expect, headers: { ...headers, ...JSON_TYPE }, body: startBody(f.r) };
  }
  if (roll === 2) {
    const type = f.r.pick(NOT_JSON_TYPES);
    const body = startBody(f.r);
    // No body at all is a start with the server's choice of kind, whatever the content type.
    if (body.length === 0) return notConnectedStart(f, body, type);
    return {
      ...base,
      kind: 'wrong-content-type',
      status: 400,
      codes: ['invalid_content_type'],
      headers: { ...anyUser(f), ...(type ? { 'content-type': type } : {}) },
      body,
    };
  }
  const body = startBody(f.r);
  if (body.length === 0) return notConnectedStart(f, body, JSON_TYPE['content-type']);
  const parsed = serverJson(body);
  if (!parsed)
    return { ...base, ...MALFORMED_JSON, headers: { ...anyUser(f), ...JSON_TYPE }, body };
  if (!isValidStartBody(parsed.value))
    return { ...base, ...INVALID_BODY, headers: { ...anyUser(f), ...JSON_TYPE }, body };
  return notConnectedStart(f, body, JSON_TYPE['content-type']);
}

/**
 * A valid start: only the user without a Strava connection may send it, and is refused. With no
 * body at all (the body is optional) the content type does not matter.
 */
function notConnectedStart(f: Fixture, body: Buffer, contentType: string | undefined): FuzzCase {
  return {
    endpoint: 'POST /api/syncs',
    method: 'POST',
    path: '/api/syncs',
    kind: body.length === 0 ? 'no-body-not-connected' : 'valid-but-not-connected',
    status: 409,
    codes: ['strava_not_connected'],
    headers: {
      authorization: f.unconnected,
      ...(contentType ? { 'content-type': contentType } : {}),
    },
    body,
  };
}

/** The start body's rule restated independently of the contract: an object, `kind` absent or known. */
function isValidStartBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return (
    !Object.hasOwn(value, 'kind') ||
    STARTABLE_SYNC_KINDS.some((k) => k === Reflect.get(value, 'kind'))
  );
}

function startBody(r: Random): Buffer {
  const kinds = [
    ...STARTABLE_SYNC_KINDS,
    'Backfill',
    'backfill ',
    'full',
    '',
    null,
    1,
    ['backfill'],
    {},
  ];
  switch (r.int(0, 6)) {
    case 0:
      return malformedJson(r);
    case 1:
      return Buffer.from(JSON.stringify(randomJson(r)));
    case 2:
      return Buffer.from(JSON.stringify({ ...randomObject(r), kind: r.pick(kinds) }));
    case 3:
      return Buffer.from(
        r.pick([
          `{"__proto__": {"kind": "backfill"}}`,
          `{"__proto__": {"kind": 1}, "kind": ${JSON.stringify(r.pick(kinds))}}`,
          `{"constructor": {"prototype": {"kind": "reconcile", "isAdmin": true}}}`,
          `{"kind": "backfill", "__proto__": null}`,
        ]),
      );
    case 4:
      return Buffer.from(r.chance(0.5) ? deepJson(r) : `{"kind": ${deepJson(r)}}`);
    case 5:
      return Buffer.from(
        r.pick([
          '{"kind": 1e999}',
          '{"kind": "backfill", "kind": "nope"}',
          '{"kind": "nope", "kind": "incremental"}',
          '\ufeff{"kind": "backfill"}',
          `{"kind": "${randomString(r, 2000).replace(/["\\]/g, '')}"}`,
        ]),
      );
    default:
      // Invalid UTF-8 inside an otherwise well-formed body.
      return Buffer.concat([
        Buffer.from('{"kind": "'),
        Buffer.from([0xff, 0xfe, 0xc0]),
        Buffer.from('"}'),
      ]);
  }
}

/** An id of no session of the caller's: unknown, malformed, or the other user's. */
function syncIdSegment(f: Fixture): string {
  const { r } = f;
  let id: string;
  switch (r.int(0, 5)) {
    case 0:
      return randomUuid(r);
    case 1:
      return r.chance(0.5) ? f.foreignSessionId : f.foreignSessionId.toUpperCase();
    case 2:
      id = f.foreignSessionId.replace(/[0-9a-f](?=[^0-9a-f]*$)/, (c) => (c === '0' ? '1' : '0'));
      return r.pick([
        id,
        `${f.foreignSessionId}0`,
        f.foreignSessionId.replaceAll('-', ''),
        `{${f.foreignSessionId}}`,
      ]);
    case 3:
      return `${encode(randomString(r, 20))}${r.chance(0.3) ? r.pick(MALFORMED_ESCAPES) : ''}`;
    case 4:
      return encode(r.pick(ODD_TEXT) || 'x');
    default:
      return 'a'.repeat(r.int(100, 4000));
  }
}

function syncIdCase(f: Fixture): FuzzCase {
  const segment = syncIdSegment(f).replace(/^\.+$/, 'x');
  const route = f.r.pick(['read', 'cancel', 'events', 'timeline'] as const);
  const path = route === 'read' ? `/api/syncs/${segment}` : `/api/syncs/${segment}/${route}`;
  const endpoint = {
    read: 'GET /api/syncs/:id',
    cancel: 'POST /api/syncs/:id/cancel',
    events: 'GET /api/syncs/:id/events',
    timeline: 'GET /api/syncs/:id/timeline',
  }[route];
  const method = route === 'cancel' ? 'POST' : 'GET';
  const base = { endpoint, method, path } as const;
  const roll = f.r.int(0, 5);
  if (method === 'POST' && roll === 0) return { ...base, ...oversized(f), headers: anyUser(f) };
  if (roll === 1) return { ...base, ...unauthorized(f) };
  // The connected user's own session is the one id never sent with their token.
  const authorization =
    segment.toLowerCase() === f.foreignSessionId ? f.unconnected : anyUser(f).authorization;
  return {
    ...base,
    ...NOT_FOUND,
    headers: { authorization, ...(method === 'POST' ? JSON_TYPE : {}) },
    body: method === 'POST' && f.r.chance(0.5) ? startBody(f.r) : undefined,
  };
}

/** A query value `Number()` makes something other than an integer in 1..max. */
function badLimit(r: Random, max: number): string {
  for (;;) {
    const candidate = r.chance(0.5)
      ? r.pick([
          '0',
          '-1',
          String(max + 1),
          '1.5',
          '1e3',
          '',
          'ten',
          '5px',
          '0x',
          '9'.repeat(400),
          'Infinity',
        ])
      : randomString(r, 12);
    const n = Number(candidate);
    if (!(Number.isInteger(n) && n >= 1 && n <= max)) return candidate;
  }
}

function listSyncsCase(f: Fixture): FuzzCase {
  const base = { endpoint: 'GET /api/syncs', method: 'GET' } as const;
  const query = queryString([['limit', badLimit(f.r, 50)]], f.r);
  if (f.r.chance(0.2)) return { ...base, path: `/api/syncs${query}`, ...unauthorized(f) };
  return { ...base, path: `/api/syncs${query}`, ...INVALID_QUERY, headers: anyUser(f) };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Query values `GET /api/activities` must refuse, per parameter. */
const BAD_ACTIVITY_PARAMS: Record<string, (r: Random) => string> = {
  limit: (r) => badLimit(r, 100),
  cursor: (r) =>
    r.pick([
      () => randomString(r, 60),
      () => 'A'.repeat(r.int(201, 3000)),
      () => base64url(randomJson(r)),
      () => base64url(['2026-13-01T00:00:00Z', '1']),
      () => base64url(['yesterday', '1']),
      () => base64url(['2026-01-01T00:00:00Z', r.pick(['-1', '1.5', 'abc', '', '1 or 1=1'])]),
      () => base64url(['0000-01-01T00:00:00.000Z', '1']),
      () => base64url(['2026-01-01T00:00:00.000Z', '99999999999999999999']),
    ])(),
  from: badDate,
  to: badDate,
  sportType: (r) =>
    r.pick([
      '',
      'Trail Run',
      'Run1',
      "Run' --",
      'R'.repeat(41),
      'Lauf\u00e9',
      randomString(r, 20).concat('1'),
    ]),
  q: (r) => r.pick(['', '   ', 'x'.repeat(101), 'a\u0000b', 'tab\there', '\u007f', '\n']),
  minDistanceM: badDistance,
  maxDistanceM: badDistance,
  weather: (r) => r.pick(['', 'yes', 'true', 'WITH', randomString(r, 8)]),
  indoor: (r) => r.pick(['', '1', 'yes', 'TRUE', randomString(r, 8)]),
  sort: (r) => r.pick(['', 'fastest', 'NEWEST', 'date', randomString(r, 8)]),
};

/** A distance in metres the API refuses: not a number, negative, or beyond 1,000 km. */
function badDistance(r: Random): string {
  return r.pick([
    '-1',
    '1000001',
    'ten',
    '5km',
    'Infinity',
    'NaN',
    '1e7',
    '0x',
    randomString(r, 8).concat('x'),
  ]);
}

function badDate(r: Random): string {
  return r.pick([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-1-1',
    '26-01-01',
    '2026-01-01T00:00:00Z',
    '+002026-01-01',
    '0000-01-01',
    'today',
    '',
    randomString(r, 12),
  ]);
}

const GOOD_ACTIVITY_PARAMS: Record<string, string[]> = {
  limit: ['1', '25', '100'],
  from: ['2026-01-01'],
  to: ['2026-12-31'],
  sportType: ['Run', 'TrailRun'],
  q: ['park', 'Berlin'],
  minDistanceM: ['0', '5000'],
  maxDistanceM: ['50000'],
  weather: ['with', 'without'],
  indoor: ['true', 'false'],
  sort: ['newest', 'oldest', 'longest', 'shortest'],
};

function activitiesCase(f: Fixture): FuzzCase {
  const base = { endpoint: 'GET /api/activities', method: 'GET' } as const;
  const names = Object.keys(BAD_ACTIVITY_PARAMS);
  const broken = new Set([f.r.pick(names), ...names.filter(() => f.r.chance(0.15))]);
  const params: [string, string][] = [];
  for (const name of names) {
    const good = GOOD_ACTIVITY_PARAMS[name];
    if (broken.has(name)) params.push([name, BAD_ACTIVITY_PARAMS[name]!(f.r)]);
    else if (good && f.r.chance(0.4)) params.push([name, f.r.pick(good)]);
  }
  const path = `/api/activities${queryString(params, f.r)}`;
  if (f.r.chance(0.2)) return { ...base, path, ...unauthorized(f) };
  return { ...base, path, ...INVALID_QUERY, headers: anyUser(f) };
}

/** The connected user's one run (seedUserRows, n = 1): only ever asked for by the other user. */
const FOREIGN_ACTIVITY_ID = '9000000001';

function activityIdCase(f: Fixture): FuzzCase {
  const { r } = f;
  const segment = r
    .pick([
      () => FOREIGN_ACTIVITY_ID,
      () => String(r.int(1, 1_000_000)),
      () => r.pick(['0', '-1', '1.5', '01', '1e3', '99999999999999999999', '9223372036854775808']),
      () => `${encode(randomString(r, 20))}${r.chance(0.3) ? r.pick(MALFORMED_ESCAPES) : ''}`,
      () => encode(r.pick(ODD_TEXT) || 'x'),
      () => 'a'.repeat(r.int(100, 4000)),
    ])()
    .replace(/^\.+$/, 'x');
  const base = {
    endpoint: 'GET /api/activities/:id',
    method: 'GET',
    path: `/api/activities/${segment}`,
  } as const;
  if (r.chance(0.2)) return { ...base, ...unauthorized(f) };
  // The connected user's own run is the one id never sent with their token.
  const authorization = segment === FOREIGN_ACTIVITY_ID ? f.unconnected : anyUser(f).authorization;
  return { ...base, ...NOT_FOUND, headers: { authorization } };
}

const VALID_EVENT = readApiSample('strava_webhook_event_activity_update.json') as Record<
  string,
  unknown
>;
const REQUIRED_EVENT_FIELDS = [
  'aspect_type',
  'object_type',
  'object_id',
  'owner_id',
  'subscription_id',
  'event_time',
];
const BAD_IDS = [
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  1e21,
  '0',
  '01',
  '-5',
  'abc',
  '',
  ' 1',
  '9223372036854775808',
  null,
  true,
  {},
  [],
];

/** Ways to break a real Strava event; each alone makes it invalid. */
const EVENT_BREAKS: ((event: Record<string, unknown>, r: Random) => void)[] = [
  (e, r) => delete e[r.pick(REQUIRED_EVENT_FIELDS)],
  (e, r) => (e.aspect_type = r.pick(['Create', 'created', '', 'remove', null, 1, ['create']])),
  (e, r) => (e.object_type = r.pick(['club', 'Activity', '', null, 5, {}])),
  (e, r) => (e[r.pick(['object_id', 'owner_id', 'subscription_id'])] = r.pick(BAD_IDS)),
  (e, r) => (e.event_time = r.pick([-1, 1.5, '1516126040', null, 2 ** 60 + 0.5, true])),
  (e, r) => (e.updates = r.pick([[], 'title', 5, null, [['title', 'x']], true])),
];

function webhookEventBody(r: Random): Buffer {
  switch (r.int(0, 3)) {
    case 0:
      return Buffer.from(JSON.stringify(r.chance(0.5) ? randomJson(r) : [VALID_EVENT]));
    case 1:
      return Buffer.from(
        r.pick([
          `{"__proto__": ${JSON.stringify(VALID_EVENT)}}`,
          `{"constructor": {"prototype": ${JSON.stringify(VALID_EVENT)}}}`,
          `{"updates": ${deepJson(r)}}`,
        ]),
      );
    default: {
      const event: Record<string, unknown> = structuredClone(VALID_EVENT);
      for (let i = r.int(1, 3); i > 0; i--) r.pick(EVENT_BREAKS)(event, r);
      const extra = randomObject(r);
      for (const key of Object.keys(extra))
        if (!(key in VALID_EVENT))
          Object.defineProperty(event, key, { value: extra[key], enumerable: true });
      return Buffer.from(JSON.stringify(event));
    }
  }
}

function webhookEventCase(f: Fixture): FuzzCase {
  const base = {
    endpoint: 'POST /api/strava/webhook',
    method: 'POST',
    path: '/api/strava/webhook',
  } as const;
  const roll = f.r.int(0, 7);
  if (roll === 0) return { ...base, ...oversized(f), headers: JSON_TYPE };
  if (roll === 1) {
    const type = f.r.pick(NOT_JSON_TYPES);
    return {
      ...base,
      kind: 'wrong-content-type',
      status: 400,
      codes: ['invalid_content_type'],
      headers: type ? { 'content-type': type } : {},
      body: Buffer.from(JSON.stringify(VALID_EVENT)),
    };
  }
  if (roll === 2)
    return { ...base, ...MALFORMED_JSON, headers: JSON_TYPE, body: malformedJson(f.r) };
  return { ...base, ...INVALID_BODY, headers: JSON_TYPE, body: webhookEventBody(f.r) };
}

function handshakeCase(f: Fixture): FuzzCase {
  const { r } = f;
  const base = { endpoint: 'GET /api/strava/webhook', method: 'GET', headers: {} } as const;
  const wrongToken = () => {
    const token = r.pick([
      `${VERIFY_TOKEN}x`,
      VERIFY_TOKEN.toUpperCase(),
      VERIFY_TOKEN.slice(0, -1),
      ` ${VERIFY_TOKEN}`,
      randomString(r, 60),
    ]);
    return token === VERIFY_TOKEN ? `${token}!` : token;
  };
  const params: Record<string, string> = {
    'hub.mode': 'subscribe',
    'hub.challenge': randomString(r, 40).slice(0, 200) || 'c',
    'hub.verify_token': wrongToken().slice(0, 200),
  };
  if (r.chance(0.3)) {
    const path = `/api/strava/webhook${queryString(Object.entries(params), r, false)}`;
    return {
      ...base,
      path,
      kind: 'wrong-verify-token',
      status: 401,
      codes: ['webhook_verify_token_mismatch'],
    };
  }
  r.pick([
    () => delete params[r.pick(Object.keys(params))],
    () =>
      (params['hub.mode'] = r
        .pick(['unsubscribe', 'Subscribe', '', randomString(r, 20)])
        .replace(/^subscribe$/, 'x')),
    () => (params['hub.challenge'] = r.chance(0.5) ? '' : 'c'.repeat(r.int(257, 3000))),
    () => (params['hub.verify_token'] = 't'.repeat(r.int(257, 3000))),
  ])();
  const path = `/api/strava/webhook${queryString(Object.entries(params), r)}`;
  return { ...base, path, ...INVALID_QUERY };
}

function disconnectCase(f: Fixture): FuzzCase {
  const base = { endpoint: 'DELETE /api/strava/connection', method: 'DELETE' } as const;
  let purge = f.r.pick([
    'TRUE',
    'False',
    '1',
    '0',
    'yes',
    '',
    'true ',
    'truefalse',
    randomString(f.r, 30),
  ]);
  if (purge === 'true' || purge === 'false') purge = `${purge}?`;
  const path = `/api/strava/connection${queryString([['purge', purge]], f.r)}`;
  const roll = f.r.int(0, 5);
  if (roll === 0) return { ...base, path, ...oversized(f), headers: anyUser(f) };
  if (roll === 1) return { ...base, path: `/api/strava/connection?purge=true`, ...unauthorized(f) };
  return { ...base, path, ...INVALID_QUERY, headers: anyUser(f) };
}

/** The callback body's rule restated independently of the contract. */
const CALLBACK_LIMITS: Record<string, { min: number; max: number }> = {
  state: { min: 1, max: 2048 },
  code: { min: 1, max: 512 },
  scope: { min: 0, max: 512 },
  error: { min: 0, max: 128 },
};

function isValidCallbackBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const fields = Object.entries(value);
  const known = fields.every(([key, field]) => {
    const limit = Object.hasOwn(CALLBACK_LIMITS, key) ? CALLBACK_LIMITS[key] : undefined;
    return (
      limit !== undefined &&
      typeof field === 'string' &&
      field.length >= limit.min &&
      field.length <= limit.max
    );
  });
  const keys = fields.map(([key]) => key);
  return known && keys.includes('state') && (keys.includes('code') || keys.includes('error'));
}

/** Ways to break a well-formed callback body; each alone makes it invalid. */
const CALLBACK_BREAKS: ((body: Record<string, unknown>, r: Random) => void)[] = [
  (b) => delete b.state,
  (b, r) => (b.state = r.pick(['', 's'.repeat(r.int(2049, 6000)), 1, null, ['x'], {}])),
  (b, r) => (b.code = r.pick(['', 'c'.repeat(r.int(513, 3000)), 12345, true, null])),
  (b, r) => (b.scope = r.pick(['s'.repeat(r.int(513, 3000)), ['read'], 0])),
  (b, r) => (b.error = r.pick(['e'.repeat(r.int(129, 3000)), false, {}])),
  (b) => {
    delete b.code;
    delete b.error;
  },
  // Free text the dashboard would show is exactly what the callback no longer takes.
  (b, r) =>
    Object.defineProperty(b, r.pick(['message', 'reason', 'strava', '__proto__', 'Code']), {
      value: r.chance(0.5) ? 'Your account is suspended: call +1 555 0100' : randomJson(r),
      enumerable: true,
    }),
];

function callbackBody(f: Fixture, state: string): Record<string, unknown> {
  const { r } = f;
  const body: Record<string, unknown> = { state };
  // Within the limits, so that only what the case breaks is wrong.
  if (r.chance(0.8)) body.code = randomString(r, 40).slice(0, 100) || 'code';
  if (r.chance(0.5))
    body.scope = r.pick(['read,activity:read_all', 'read', '', randomString(r, 40).slice(0, 100)]);
  if (!body.code || r.chance(0.2))
    body.error = r.pick(['access_denied', randomString(r, 20).slice(0, 100)]);
  return body;
}

/**
 * `POST /api/strava/callback`: refused before the state is spent (bad body, sign-in, size,
 * content type), or for the state itself: forged, expired, used, or another user's. The live
 * state is only ever sent in a body that fails validation, so nothing is ever spent.
 */
function callbackCase(f: Fixture): FuzzCase {
  const { r } = f;
  const base = {
    endpoint: 'POST /api/strava/callback',
    method: 'POST',
    path: '/api/strava/callback',
  } as const;
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const roll = r.int(0, 9);
  if (roll === 0) return { ...base, ...oversized(f), headers: { ...anyUser(f), ...JSON_TYPE } };
  if (roll === 1) {
    const { headers, ...expect } = unauthorized(f);
    return {
      ...base,
      ...expect,
      headers: { ...headers, ...JSON_TYPE },
      body: json(callbackBody(f, f.states.live)),
    };
  }
  if (roll === 2) {
    const type = r.pick(NOT_JSON_TYPES);
    return {
      ...base,
      kind: 'wrong-content-type',
      status: 400,
      codes: ['invalid_content_type'],
      headers: { ...anyUser(f), ...(type ? { 'content-type': type } : {}) },
      body: json(callbackBody(f, f.states.live)),
    };
  }
  if (roll === 3)
    return {
      ...base,
      ...MALFORMED_JSON,
      headers: { ...anyUser(f), ...JSON_TYPE },
      body: malformedJson(r),
    };
  if (roll <= 6) {
    const tamper = (state: string) => {
      let i = r.int(0, state.length - 1);
      if (state[i] === '.') i = 0;
      const swapped = state[i] === 'A' ? 'B' : 'A';
      return `${state.slice(0, i)}${swapped}${state.slice(i + 1)}`;
    };
    const authorization = anyUser(f).authorization;
    const [state, code] = r.pick([
      [tamper(f.states.live), 'state_invalid'],
      [randomString(r, 80).slice(0, 500) || 'x', 'state_invalid'],
      [
        `${randomString(r, 30).slice(0, 100)}.${randomString(r, 43).slice(0, 100)}`,
        'state_invalid',
      ],
      [f.states.expired, 'state_expired'],
      // Spent by the user it was issued to; to anyone else it is not theirs, spent or not.
      [f.states.used, authorization === f.unconnected ? 'state_used' : 'strava_state_not_yours'],
    ] as const);
    return {
      ...base,
      kind: code === 'strava_state_not_yours' ? 'not-yours' : 'bad-state',
      status: 400,
      codes: [code],
      headers: { authorization, ...JSON_TYPE },
      body: json(callbackBody(f, state)),
    };
  }
  let body: Buffer;
  do {
    if (r.chance(0.2)) {
      body = json(r.chance(0.5) ? randomJson(r) : [callbackBody(f, f.states.live)]);
    } else {
      const broken = callbackBody(f, f.states.live);
      for (let i = r.int(1, 2); i > 0; i--) r.pick(CALLBACK_BREAKS)(broken, r);
      body = json(broken);
    }
  } while (isValidCallbackBody(serverJson(body)?.value));
  return { ...base, ...INVALID_BODY, headers: { ...anyUser(f), ...JSON_TYPE }, body };
}

/** Endpoints that read nothing from the request but who asks: only the sign-in can be wrong. */
function signedInOnlyCase(f: Fixture): FuzzCase {
  const path = f.r.pick([
    '/api/me',
    '/api/estimate',
    '/api/activities/stats',
    '/api/strava/connection',
    '/api/strava/connect',
  ]);
  const ignored = queryString(
    [[randomString(f.r, 10).slice(0, 50), randomString(f.r, 10).slice(0, 50)]],
    f.r,
  );
  return { endpoint: `GET ${path}`, method: 'GET', path: `${path}${ignored}`, ...unauthorized(f) };
}

function metricsCase(f: Fixture): FuzzCase {
  const [authorization, code] = f.r.pick([
    [undefined, 'missing_metrics_token'],
    ['Bearer', 'missing_metrics_token'],
    [`Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`, 'missing_metrics_token'],
    [`Bearer ${METRICS_TOKEN.toUpperCase()}`, 'invalid_metrics_token'],
    [`Bearer ${METRICS_TOKEN}x`, 'invalid_metrics_token'],
    [`Bearer ${METRICS_TOKEN.slice(0, -1)}`, 'invalid_metrics_token'],
    [f.connected, 'invalid_metrics_token'],
    [
      `Bearer ${randomString(f.r, 40).replace(/[^\x21-\x7e]/g, '') || 'x'}`,
      'invalid_metrics_token',
    ],
  ] as const);
  return {
    endpoint: 'GET /api/metrics',
    kind: 'unauthorized',
    method: 'GET',
    path: '/api/metrics',
    headers: authorization ? { authorization } : {},
    status: 401,
    codes: [code],
  };
}

/** `GET /api/local/session` is answered only to a loopback host name; any other `Host` is refused. */
function localSessionCase(f: Fixture): FuzzCase {
  let host: string;
  do {
    host = `${f.r.pick([
      'evil.example',
      'localhost.evil.example',
      'localhostx',
      '127.0.0.1.nip.io',
      '127.0.0.2',
      '0.0.0.0',
      '192.168.1.10',
      'stridesync.example.com',
      // Led by a letter: Node itself refuses some all-digit hosts (400) before the app runs.
      `h${randomString(f.r, 12)
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '')}`,
    ])}${f.r.chance(0.5) ? `:${f.r.int(1000, 65535)}` : ''}`;
  } while (isLoopback(host));
  return {
    endpoint: 'GET /api/local/session',
    kind: 'not-loopback-host',
    method: 'GET',
    path: '/api/local/session',
    headers: { host, ...(f.r.chance(0.5) ? { authorization: f.connected } : {}) },
    status: 401,
    codes: ['local_session_not_local'],
  };
}

/** What the route counts as this computer (localhost, 127.0.0.1, [::1], *.localhost), or a host Node refuses. */
function isLoopback(host: string): boolean {
  try {
    const { hostname } = new URL(`http://${host}`);
    return (
      ['localhost', '127.0.0.1', '[::1]'].includes(hostname) ||
      hostname.endsWith('.localhost') ||
      hostname === ''
    );
  } catch {
    return true;
  }
}

/** Every way of not being signed in that the verifier must refuse. */
async function badAuthorizations(userId: string): Promise<BadAuthorization[]> {
  const secret = new TextEncoder().encode(JWT_SECRET);
  const now = Math.floor(Date.now() / 1000);
  const signed = (claims: Record<string, unknown>, sub: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setAudience('authenticated')
      .setExpirationTime(now + 3600)
      .sign(secret);
  const good = await signAccessToken(JWT_SECRET, { sub: userId });
  const [header, , signature] = good.split('.');
  const otherPayload = Buffer.from(
    JSON.stringify({ sub: randomUuidOf(userId), role: 'authenticated', exp: now + 3600 }),
  ).toString('base64url');
  return [
    { header: undefined, code: 'missing_token' },
    { header: 'Bearer', code: 'missing_token' },
    { header: 'Bearer ', code: 'missing_token' },
    { header: 'Basic dXNlcjpwYXNzd29yZA==', code: 'missing_token' },
    { header: `Token ${good}`, code: 'missing_token' },
    { header: `Bearer ${good} extra`, code: 'missing_token' },
    { header: 'Bearer not-a-jwt', code: 'invalid_token' },
    { header: 'Bearer a.b.c', code: 'invalid_token' },
    { header: `Bearer ${'x'.repeat(8000)}`, code: 'invalid_token' },
    { header: `Bearer ${header}.${otherPayload}.${signature}`, code: 'invalid_token' },
    {
      header: `Bearer ${await signAccessToken('another-secret-of-at-least-32-characters!', { sub: userId })}`,
      code: 'invalid_token',
    },
    {
      header: `Bearer ${new UnsecuredJWT({ role: 'authenticated' }).setSubject(userId).setAudience('authenticated').setExpirationTime('1h').encode()}`,
      code: 'invalid_token',
    },
    { header: `Bearer ${await signed({ role: 'anon' }, userId)}`, code: 'invalid_token' },
    { header: `Bearer ${await signed({ role: 'authenticated' }, 'admin')}`, code: 'invalid_token' },
    {
      header: `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId, expiresInSeconds: -3600 })}`,
      code: 'expired_token',
    },
  ];
}

/** A different, well-formed user id: what a tampered token would claim. */
function randomUuidOf(userId: string): string {
  return userId.replace(/^./, (c) => (c === 'f' ? '0' : 'f'));
}

// --- Sending, and what must hold of every answer -----------------------------------------------

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * Over node:http rather than fetch: any method may carry a body, sent whole or chunked. A body
 * over the limit goes over a connection of its own: the server answers 413 without reading it all
 * and may then close the connection, which a kept-alive socket would hand to the next request.
 */
function send(keptAlive: Agent, origin: string, c: FuzzCase): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  const agent = c.body && c.body.length > MAX_BODY_BYTES ? false : keptAlive;
  const headers: Record<string, string> = { ...c.headers };
  // Node sends a DELETE body unframed unless told: say which framing, always.
  if (c.body) {
    if (c.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(c.body.length);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: c.method, path: c.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (c.body && c.chunked) {
      const third = Math.ceil(c.body.length / 3);
      req.write(c.body.subarray(0, third));
      req.write(c.body.subarray(third, 2 * third));
      req.end(c.body.subarray(2 * third));
    } else {
      req.end(c.body);
    }
  });
}

/** What is wrong with an answer to `c`, if anything. */
function problemWith(c: FuzzCase, answer: Answer): string | undefined {
  if (answer.status !== c.status)
    return `status ${answer.status}, expected ${c.status}: ${answer.text.slice(0, 300)}`;
  if (!String(answer.headers['content-type']).startsWith('application/json'))
    return `content-type ${answer.headers['content-type']}`;
  if (!answer.headers['x-correlation-id']) return 'no x-correlation-id';
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `body is not JSON: ${answer.text.slice(0, 100)}`;
  }
  const error = (body as { error?: Record<string, unknown> }).error;
  if (Object.keys(body as object).join() !== 'error' || !error)
    return `not the error shape: ${answer.text.slice(0, 200)}`;
  for (const field of ['code', 'message', 'hint'])
    if (typeof error[field] !== 'string' || error[field] === '') return `error.${field} missing`;
  const extra = Object.keys(error).filter(
    (k) => !['code', 'message', 'hint', 'fields'].includes(k),
  );
  if (extra.length > 0) return `extra error fields ${extra}`;
  if ('fields' in error && !Array.isArray(error.fields)) return 'error.fields not a list';
  if (!c.codes.includes(error.code as string))
    return `code ${error.code}, expected one of ${c.codes}: ${answer.text.slice(0, 300)}`;
  return undefined;
}

/**
 * Every row of every table (ours, auth, pg-boss's queue, the Realtime stand-in): count, the sum
 * of row versions (xmin changes on any update, even one that rewrites the same values) and a
 * digest of the contents.
 */
async function fingerprint(db: Database): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `select format('%I.%I', table_schema, table_name) as name from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
     order by 1`,
  );
  const prints: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await db.query<{ n: number; versions: string; digest: string }>(
      `select count(*)::int as n, coalesce(sum(xmin::text::bigint), 0)::text as versions,
              md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest
       from ${name} t`,
    );
    prints[name] = `${rows[0]!.n} rows, xmin sum ${rows[0]!.versions}, ${rows[0]!.digest}`;
  }
  return prints;
}

/**
 * The next case of `generate`. URLs past Node's own 16 KiB header limit are answered 431 by Node
 * before the app sees them, so those draws are skipped. Whatever else is wrong with a body over
 * the limit, it is refused first: `limitBody` runs before any route.
 */
function nextCase(generate: (f: Fixture) => FuzzCase, f: Fixture): FuzzCase {
  let c = generate(f);
  while (Buffer.byteLength(c.path) > 8_000) c = generate(f);
  if (!c.body || c.body.length <= MAX_BODY_BYTES) return c;
  return { ...c, kind: 'oversized', status: 413, codes: ['payload_too_large'] };
}

// --- The fuzz --------------------------------------------------------------------------------

const GENERATORS: Record<string, (f: Fixture) => FuzzCase> = {
  'POST /api/syncs': startSyncCase,
  'GET /api/syncs': listSyncsCase,
  'GET|POST /api/syncs/:id[/cancel|/events|/timeline]': syncIdCase,
  'GET /api/activities': activitiesCase,
  'GET /api/activities/:id': activityIdCase,
  'POST /api/strava/webhook': webhookEventCase,
  'GET /api/strava/webhook': handshakeCase,
  'DELETE /api/strava/connection': disconnectCase,
  'POST /api/strava/callback': callbackCase,
  'GET /api/me, /api/estimate, /api/activities/stats, /api/strava/connection[/connect]':
    signedInOnlyCase,
  'GET /api/metrics': metricsCase,
  'GET /api/local/session': localSessionCase,
};

describe(`a fuzz of every JSON endpoint (seed ${SEED})`, () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let queue: JobQueue;
  let server: RunningServer;
  let fixture: Fixture;
  const logs = captureLogs();
  const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL_REQUESTS });

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    h = await startStravaHarness(t.db);
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    const states = createOAuthStates(JWT_SECRET, systemClock);
    server = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: logs.logger,
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        queue,
        webhookVerifyToken: VERIFY_TOKEN,
        metricsToken: METRICS_TOKEN,
        localSession: { jwtSecret: JWT_SECRET, user: DEMO_USER },
        // The fuzz judges validation, one user sending every case as fast as it can: a budget
        // that covers them all (test/http/user-request-limit.test.ts judges the budget itself).
        userRequestLimit: { perSecond: 1000, burst: 100_000 },
        strava: {
          client: h.client,
          tokens: h.tokens,
          store: h.store,
          states,
          oauthUrl: h.oauthUrl,
          clientId: h.sim.defaultApp.clientId,
          publicUrl: PUBLIC_URL,
        },
      }),
      { port: 0 },
    );

    const connectedId = await insertUser(t.db);
    await seedUserRows(t.db, connectedId, 1);
    const unconnectedId = await insertUser(t.db);
    const { rows } = await t.db.query<{ id: string }>(
      'select id from sync_sessions where user_id = $1',
      [connectedId],
    );
    const used = await states.issue(t.db, unconnectedId);
    await states.consume(t.db, used, unconnectedId);
    const hourAgo = createManualClock(Date.now() - 3_600_000);
    fixture = {
      r: makeRandom(SEED),
      connected: `Bearer ${await signAccessToken(JWT_SECRET, { sub: connectedId })}`,
      unconnected: `Bearer ${await signAccessToken(JWT_SECRET, { sub: unconnectedId })}`,
      badAuthorizations: await badAuthorizations(connectedId),
      foreignSessionId: rows[0]!.id,
      states: {
        live: await states.issue(t.db, connectedId),
        expired: await createOAuthStates(JWT_SECRET, hourAgo).issue(t.db, connectedId),
        used,
      },
    };
  });
  afterAll(async () => {
    agent.destroy();
    await server.close();
    await queue.stop({ timeoutMs: 0 });
    await h.close();
    await t.dispose();
  });

  it('refuses every case with a 4xx in the error shape, and writes nothing', async () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
    const problems: string[] = [];
    const kinds: Record<string, Record<string, number>> = {};
    let sent = 0;
    for (const [name, generate] of Object.entries(GENERATORS)) {
      const cases = Array.from({ length: CASES_PER_ENDPOINT }, () => nextCase(generate, fixture));
      const before = await fingerprint(t.db);
      for (let i = 0; i < cases.length; i += PARALLEL_REQUESTS) {
        const batch = cases.slice(i, i + PARALLEL_REQUESTS);
        const answers = await Promise.all(batch.map((c) => send(agent, server.url, c)));
        batch.forEach((c, j) => {
          const problem = problemWith(c, answers[j]!);
          const host = c.headers.host ? ` (Host: ${c.headers.host})` : '';
          if (problem)
            problems.push(`${c.method} ${c.path.slice(0, 160)}${host} [${c.kind}]: ${problem}`);
          kinds[c.endpoint] ??= {};
          kinds[c.endpoint]![c.kind] = (kinds[c.endpoint]![c.kind] ?? 0) + 1;
        });
      }
      sent += cases.length;
      const after = await fingerprint(t.db);
      expect(after, `${name} wrote to the database (seed ${SEED})`).toEqual(before);
    }

    expect(problems, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1_000);
    expect(
      logs.entries().filter((e) => (e.level as number) >= 50),
      'errors logged',
    ).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
    expect(kinds).toMatchObject(EXPECTED_KINDS);
  });
});

/** The classes each endpoint's generator draws from; each must have been drawn at least once. */
const some = expect.any(Number);
const EXPECTED_KINDS = {
  'POST /api/syncs': {
    oversized: some,
    unauthorized: some,
    'wrong-content-type': some,
    malformed: some,
    invalid: some,
    'valid-but-not-connected': some,
  },
  'GET /api/syncs': { unauthorized: some, invalid: some },
  'GET /api/syncs/:id': { unauthorized: some, 'unknown-or-foreign-id': some },
  'POST /api/syncs/:id/cancel': {
    oversized: some,
    unauthorized: some,
    'unknown-or-foreign-id': some,
  },
  'GET /api/syncs/:id/events': { unauthorized: some, 'unknown-or-foreign-id': some },
  'GET /api/syncs/:id/timeline': { unauthorized: some, 'unknown-or-foreign-id': some },
  'GET /api/activities': { unauthorized: some, invalid: some },
  'GET /api/activities/:id': { unauthorized: some, 'unknown-or-foreign-id': some },
  'POST /api/strava/webhook': {
    oversized: some,
    'wrong-content-type': some,
    malformed: some,
    invalid: some,
  },
  'GET /api/strava/webhook': { 'wrong-verify-token': some, invalid: some },
  'DELETE /api/strava/connection': { oversized: some, unauthorized: some, invalid: some },
  'POST /api/strava/callback': {
    oversized: some,
    unauthorized: some,
    'wrong-content-type': some,
    malformed: some,
    invalid: some,
    'bad-state': some,
    'not-yours': some,
  },
  'GET /api/me': { unauthorized: some },
  'GET /api/estimate': { unauthorized: some },
  'GET /api/activities/stats': { unauthorized: some },
  'GET /api/strava/connection': { unauthorized: some },
  'GET /api/strava/connect': { unauthorized: some },
  'GET /api/metrics': { unauthorized: some },
  'GET /api/local/session': { 'not-loopback-host': some },
};
