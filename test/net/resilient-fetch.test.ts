import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.ts';
import { RateLimitedError, TransientError } from '../../src/core/errors.ts';
import { createResilientFetch } from '../../src/net/resilient-fetch.ts';
import { startScriptedServer } from '../support/scripted-server.ts';

function harness(overrides: Partial<Parameters<typeof createResilientFetch>[0]> = {}) {
  const clock = createManualClock('2026-03-01T10:00:00Z');
  const sleeps: number[] = [];
  const call = createResilientFetch({
    service: 'Example',
    clock,
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    ...overrides,
  });
  return { call, sleeps, clock };
}

describe('resilient fetch', () => {
  it('retries 5xx with exponential backoff until a success', async () => {
    const server = await startScriptedServer([
      { status: 503 },
      { status: 502 },
      { status: 500 },
      { status: 200, body: '{"ok":true}' },
    ]);
    const { call, sleeps } = harness();
    const response = await call(`${server.url}/a`, {});
    expect(await response.json()).toEqual({ ok: true });
    expect(sleeps).toEqual([500, 1000, 2000]);
    await server.close();
  });

  it('spreads retries with full jitter under the ceiling', async () => {
    const server = await startScriptedServer([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const { call, sleeps } = harness({ random: () => 0.25 });
    await call(`${server.url}/a`, {});
    expect(sleeps).toEqual([125, 250]);
    await server.close();
  });

  it('caps the backoff at maxDelayMs', async () => {
    const server = await startScriptedServer([
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 200 },
    ]);
    const { call, sleeps } = harness({ maxDelayMs: 700 });
    await call(`${server.url}/a`, {});
    expect(sleeps).toEqual([500, 700, 700]);
    await server.close();
  });

  it('returns the last 5xx after the last attempt, for the caller to classify', async () => {
    const server = await startScriptedServer([{ status: 500 }, { status: 503, body: '{"n":2}' }]);
    const { call } = harness({ maxAttempts: 2 });
    const response = await call(`${server.url}/a`, {});
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ n: 2 });
    await server.close();
  });

  it.each([400, 401, 403, 404, 429])('never retries a %i', async (status) => {
    const server = await startScriptedServer([{ status }]);
    const { call, sleeps } = harness();
    expect((await call(`${server.url}/a`, {})).status).toBe(status);
    expect(sleeps).toEqual([]);
    await server.close();
  });

  it('times out a hung request, retries, and reports the service unreachable', async () => {
    const server = await startScriptedServer(['hang', 'hang']);
    const { call } = harness({ timeoutMs: 100, maxAttempts: 2 });
    await expect(call(`${server.url}/a`, {})).rejects.toMatchObject({
      code: 'upstream_unreachable',
      failureType: 'transient',
      userMessage: 'Example did not answer in time.',
    });
    await server.close();
  });

  it('retries network errors', async () => {
    const { call, sleeps } = harness({ maxAttempts: 3 });
    await expect(call('http://127.0.0.1:9/refused', {})).rejects.toBeInstanceOf(TransientError);
    expect(sleeps).toHaveLength(2);
  });

  it('lets a hook’s own error through without retrying or calling', async () => {
    const server = await startScriptedServer([]);
    const { call } = harness();
    const resumeAt = new Date('2026-03-01T10:15:00Z');
    const spent = new RateLimitedError({ code: 'rate_limited', userMessage: 'spent', resumeAt });
    await expect(
      call(
        `${server.url}/a`,
        {},
        {
          beforeAttempt: async () => {
            throw spent;
          },
        },
      ),
    ).rejects.toBe(spent);
    expect(server.requests()).toEqual([]);
    await server.close();
  });

  it('opens the circuit after consecutive failed calls and stops calling', async () => {
    const server = await startScriptedServer([{ status: 500 }, { status: 500 }]);
    const { call } = harness({ maxAttempts: 1, breakAfterFailures: 2, halfOpenAfterMs: 60_000 });
    expect((await call(`${server.url}/a`, {})).status).toBe(500);
    expect((await call(`${server.url}/a`, {})).status).toBe(500);
    await expect(call(`${server.url}/a`, {})).rejects.toMatchObject({
      code: 'upstream_circuit_open',
      retryAt: new Date('2026-03-01T10:01:00Z'),
    });
    expect(server.requests()).toHaveLength(2);
    await server.close();
  });

  it('tells its observer every attempt, and the breaker opening and closing', async () => {
    const server = await startScriptedServer([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const seen: string[] = [];
    const { call, clock } = harness({
      api: 'example',
      maxAttempts: 1,
      breakAfterFailures: 2,
      halfOpenAfterMs: 50,
      observer: {
        attempted: async (api, { status, seconds }) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          seen.push(`${api} ${status}`);
        },
        circuitOpened: (api, until) => seen.push(`${api} open until ${until.toISOString()}`),
        circuitClosed: (api) => seen.push(`${api} closed`),
      },
    });
    await call(`${server.url}/a`, {});
    await call(`${server.url}/a`, {});
    await expect(call(`${server.url}/a`, {})).rejects.toMatchObject({
      code: 'upstream_circuit_open',
    });
    // The breaker's half-open pause runs on real time: wait it out, then a trial call succeeds.
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await call(`${server.url}/a`, {})).status).toBe(200);
    expect(seen).toEqual([
      'example 500',
      'example 500',
      `example open until ${new Date(clock.now() + 50).toISOString()}`,
      'example 200',
      'example closed',
    ]);
    await server.close();
  });

  it('calls every attempt’s hooks', async () => {
    const server = await startScriptedServer([{ status: 503 }, { status: 200 }]);
    const { call } = harness();
    const events: string[] = [];
    await call(
      `${server.url}/a`,
      {},
      {
        beforeAttempt: async () => {
          events.push('reserve');
        },
        onResponse: async (r) => {
          events.push(`observe ${r.status}`);
        },
      },
    );
    expect(events).toEqual(['reserve', 'observe 503', 'reserve', 'observe 200']);
    await server.close();
  });
});
