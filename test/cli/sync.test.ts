import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNominatimSimulator } from '../../sim/geocoding/nominatim.ts';
import { createSimulators, type Simulators } from '../../sim/index.ts';
import { type SyncSessionRow, syncSessionRowSchema } from '../../src/core/sync-session.ts';
import { DAY_MS, weatherSlotKey, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createConnectionStore, notConnected } from '../../src/strava/connection-store.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { startServer, type TestServer } from '../sim/strava-helpers.ts';
import { BIN, type CliProcess, freePort, runCli } from '../support/cli-process.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { RUN_TYPES, storedIds } from '../sync/sync-harness.ts';

const SCOPES = ['read', 'activity:read_all'];

/**
 * `stridesync sync` as a real process, on a real Postgres database, against the simulators over
 * HTTP (live mode pointed at them, as `stridesync sim` prints). Its stdout is a pipe here, so it
 * prints plain lines, not the terminal's redrawn bar.
 */
describe('stridesync sync', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let sims: Simulators;
  let server: TestServer;
  let dataDir: string;
  let env: Record<string, string>;
  let withWeather: Record<string, string>;
  let withOneCall: Record<string, string>;
  const key = randomBytes(32);
  const store = createConnectionStore(createTokenCipher([{ version: 1, key }]));
  const running: CliProcess[] = [];
  const athletes: number[] = [];

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    // On the real clock, as the CLI is: the histories end now, and rate windows pass.
    sims = createSimulators({
      athletes: [
        { seed: 'cli-sync-a', activityCount: 30, years: 1 },
        { seed: 'cli-sync-b', activityCount: 1200, years: 4 },
        { seed: 'cli-sync-c', activityCount: 600, years: 3 },
        { seed: 'cli-sync-d', activityCount: 40, years: 1 },
        { seed: 'cli-sync-e', activityCount: 10, years: 1 },
        { seed: 'cli-sync-f', activityCount: 20, years: 1 },
        { seed: 'cli-sync-g', activityCount: 10, years: 1 },
        { seed: 'cli-sync-h', activityCount: 10, years: 1 },
        { seed: 'cli-sync-i', activityCount: 40, years: 1 },
      ],
      // The client paces itself at Nominatim's one request a second; the simulator allows more,
      // so timer jitter never trips it.
      nominatimMinIntervalMs: 200,
    });
    athletes.push(...sims.strava.athletes.keys());
    // A geocoder that takes stridesync for an unidentified client, as Nominatim's usage policy
    // allows: it answers 403, and enrichment defers at once instead of going on at 1 a second.
    const refusingGeocoder = createNominatimSimulator({ genericUserAgents: [/^stridesync\//] });
    server = await startServer(
      new Hono().route('/', sims.app).route('/refusing-nominatim', refusingGeocoder.app),
    );
    const urls = sims.urls(server.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-sync-'));
    env = {
      DATABASE_URL: t.url as string,
      STRIDESYNC_DATA_DIR: dataDir,
      STRAVA_CLIENT_ID: sims.stravaApp.clientId,
      STRAVA_CLIENT_SECRET: sims.stravaApp.clientSecret,
      STRAVA_API_URL: urls.stravaApiUrl,
      STRAVA_OAUTH_URL: urls.stravaOauthUrl,
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      WEATHER_PROVIDER: 'open-meteo',
      // Most tests are about the walk through Strava: weather points at an address that serves
      // no archive, and places at the refusing geocoder, so enrichment defers at its first calls
      // (the runs wait for the weather backfill) instead of geocoding hundreds of runs at
      // Nominatim's pace of one a second.
      OPEN_METEO_ARCHIVE_URL: `${server.url}/no-weather-here`,
      PLACE_PROVIDER: 'nominatim',
      NOMINATIM_URL: `${server.url}/refusing-nominatim`,
      LOG_LEVEL: 'warn',
      // The progress line tells times of day in the machine's zone: UTC, so a test can read them.
      TZ: 'UTC',
    };
    withWeather = {
      OPEN_METEO_ARCHIVE_URL: urls.openMeteoArchiveUrl,
      NOMINATIM_URL: urls.nominatimUrl,
    };
    withOneCall = {
      WEATHER_PROVIDER: 'openweathermap',
      OPENWEATHER_API_KEY: sims.openWeatherKey,
      OPENWEATHER_API_URL: urls.openWeatherApiUrl,
      PLACE_PROVIDER: 'offline',
    };
  });
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    await sims?.close();
    await server?.close();
    await t?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sync = (args: string[], extraEnv: Record<string, string> = {}) => {
    const p = runCli(['sync', ...args], { ...env, ...extraEnv });
    running.push(p);
    return p;
  };

  /** A user connected to the simulator's `n`th athlete, tokens issued as the callback would. */
  async function connectedUser(n: number): Promise<string> {
    const userId = await insertUser(t.db);
    const athleteId = athletes[n] as number;
    const issued = sims.strava.issueTokens(athleteId, ['read', 'activity:read_all']);
    await store.saveTokens(
      t.db,
      userId,
      { ...issued },
      { athlete: { id: String(athleteId) }, scopes: SCOPES },
    );
    return userId;
  }

  const simRuns = (n: number) =>
    sims.strava
      .activitiesOf(athletes[n] as number)
      .filter((a) => RUN_TYPES.includes(a.sportType))
      .map((a) => String(a.id))
      .sort();

  async function sessionsOf(userId: string): Promise<SyncSessionRow[]> {
    const { rows } = await t.db.query(
      'select * from sync_sessions where user_id = $1 order by created_at',
      [userId],
    );
    return rows.map((row) => syncSessionRowSchema.parse(row));
  }

  async function slicesStored(userId: string): Promise<number> {
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from sync_events where user_id = $1 and type = 'slice:stored'`,
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('explains itself with --help, and the overview lists it', async () => {
    const help = sync(['--help']);
    const overview = runCli(['--help'], {});
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain(
      'Usage: stridesync sync --user <id> [--kind backfill|incremental|reconcile]',
    );
    expect(help.stdout()).toContain('130 cancelled with Ctrl-C');
    expect(await overview.exited).toBe(0);
    expect(overview.stdout()).toMatch(/sync\s+Sync one user now, in the foreground/);
  });

  it('refuses wrong arguments with exit code 2, saying what is wrong, and starts nothing', async () => {
    const userId = await insertUser(t.db);
    const cases = [
      { args: [], says: '--user <id> is required' },
      { args: ['--user', 'runner-42'], says: "--user must be a user id, a UUID (got 'runner-42')" },
      {
        args: ['--user', userId, '--kind', 'event'],
        says: "--kind must be one of backfill, incremental, reconcile (got 'event')",
      },
      { args: ['--user', userId, '--fast'], says: "Unknown option '--fast'" },
      { args: ['--user', userId, 'now'], says: "Unexpected argument 'now'" },
    ];
    const runs = cases.map(({ args }) => sync(args));
    for (const [i, p] of runs.entries()) {
      expect(await p.exited).toBe(2);
      expect(p.stderr()).toContain(cases[i]?.says);
      expect(p.stderr()).toContain('Usage: stridesync sync');
    }
    expect(await sessionsOf(userId)).toEqual([]);
  });

  it('tells a user who has not connected Strava what to do, with exit code 1', async () => {
    const unknown = sync(['--user', randomUUID()]);
    expect(await unknown.exited).toBe(1);
    const { userMessage, hint, code } = notConnected();
    // One log line, then the message, the next step and the run's correlation id, which is on
    // the log line too.
    const [logLine, ...text] = unknown.stderr().split('\n');
    const log = JSON.parse(logLine as string);
    expect(log).toMatchObject({ level: 40, code, msg: 'stridesync sync failed' });
    expect(log.correlationId).toMatch(/^cli-[\w-]+$/);
    expect(text.join('\n')).toBe(
      `stridesync sync: ${userMessage}\n${hint}\n(correlation id ${log.correlationId})\n`,
    );
  });

  it('backfills a connected user to the end: exactly the simulator’s runs, each phase, and a summary', async () => {
    const userId = await connectedUser(0);
    // Strava answers in 600 ms, so each phase lasts past a look at the session (every 500 ms).
    sims.strava.faults.set({ latencyMs: 600 });
    const p = sync(['--user', userId], withWeather);
    const code = await p.exited;
    sims.strava.faults.reset();
    expect(code).toBe(0);
    const out = p.stdout();
    expect(out).toMatch(new RegExp(`^Started a backfill sync for user ${userId} \\(session `));
    const stages = [...out.matchAll(/^\d+% {2}(\w+) {2}stored \d+/gm)].map((m) => m[1]);
    // Each phase once at least, in order (a long one repeats every few seconds as counts move).
    const phases = stages.filter((stage, i) => stage !== stages[i - 1]);
    expect(phases.filter((stage) => stage !== 'queued' && stage !== 'finalizing')).toEqual([
      'authenticating',
      'fetching',
      'enriching',
      'completed',
    ]);
    expect(out).not.toContain('\r');

    const stored = await storedIds(t.db, userId);
    expect([...stored].sort()).toEqual(simRuns(0));
    const [session] = await sessionsOf(userId);
    expect(session).toMatchObject({
      kind: 'backfill',
      status: 'completed',
      activities_stored: stored.length,
      activities_listed: 30,
    });
    expect(session?.activities_enriched).toBeGreaterThan(0);
    const s = session as SyncSessionRow;
    expect(out.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        `^Completed in [\\dhms ]+: stored ${s.activities_stored}, skipped ${s.activities_skipped}, ` +
          `enriched ${s.activities_enriched}, weather unavailable ${s.weather_unavailable}\\.$`,
      ),
    );

    // Once a backfill has completed, the same command picks up what is new.
    const again = sync(['--user', userId], withWeather);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toContain(`Started an incremental sync for user ${userId}`);
    expect((await sessionsOf(userId)).map((x) => [x.kind, x.status])).toEqual([
      ['backfill', 'completed'],
      ['incremental', 'completed'],
    ]);
    expect((await storedIds(t.db, userId)).sort()).toEqual(simRuns(0));
  });

  it('on a terminal, redraws one line with its bar in place, logs above it, then sums up', async () => {
    const userId = await connectedUser(5);
    // Strava answers in 600 ms, so the line is drawn a few times before the sync ends.
    sims.strava.faults.set({ latencyMs: 600 });
    let output = '';
    let code: number | null;
    try {
      // `script` runs the command on a pseudo-terminal, 100 columns wide.
      const command = `stty cols 100 && '${process.execPath}' '${BIN}' sync --user ${userId}`;
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      code = await new Promise((resolve) => child.on('exit', resolve));
    } finally {
      sims.strava.faults.reset();
    }
    expect(code).toBe(0);
    const clearLine = '\x1b[K';
    const frames = output.split('\r').filter((frame) => frame.startsWith('['));
    expect(frames.length).toBeGreaterThan(2);
    for (const frame of frames) {
      expect(frame.endsWith(clearLine) || frame.endsWith(`${clearLine}\n`)).toBe(true);
      expect(frame).toMatch(/^\[[█░]{20}\] (\d+|--)% {2}\w+ {2}stored \d+/);
    }
    expect(frames.at(-1)).toMatch(/^\[█{20}\] 100% {2}completed {2}stored \d+ {2}enriched 0/);
    // A log line (weather is unreachable here, see `env`) goes above the progress line.
    expect(output).toMatch(/\[K\{"level":40,.*"msg":"enrichment deferred"\}\r\n\r\[/);
    // The last frame stays, and the summary follows on a line of its own; the unreachable
    // weather is the warning it completed with.
    expect(output).toContain(`${clearLine}\r\nCompleted with a warning in `);
    expect(output).toContain(
      'Warning: Runs are stored without weather or place: Open-Meteo answered "not found"',
    );
  });

  it('ends with exit code 1 and the session’s own message and next step when the sync fails', async () => {
    const userId = await connectedUser(4);
    // The athlete revoked stridesync on Strava: the token is refused, and so is its refresh.
    sims.strava.deauthorize(athletes[4] as number, { deliverWebhooks: false });
    const p = sync(['--user', userId]);
    expect(await p.exited).toBe(1);
    const [session] = await sessionsOf(userId);
    expect(session).toMatchObject({ status: 'failed', error_code: 'strava_reconnect_required' });
    expect(p.stdout()).toMatch(/^Failed in [\dhms ]+: stored 0, skipped 0/m);
    expect(p.stderr()).toContain(
      `stridesync sync: ${session?.error_message}\n${session?.error_hint}\n(correlation id ${session?.correlation_id})\n`,
    );
    expect(session?.correlation_id).toMatch(/^cli-[\w-]+$/);
    expect(session?.error_hint).toBe(
      'Connect Strava again from the dashboard; your stored runs are kept.',
    );
  });

  it('retries a transient failure with the queue’s backoff, saying why it waits, and completes', async () => {
    const userId = await connectedUser(7);
    // Strava answers 503 to every attempt of the first two calls: the estimate's (Strava's
    // totals, for the weather line; it goes on without them) and the sync's first, so the runner
    // gives the session back to be retried, and this process retries it after the first backoff (5 s).
    sims.strava.faults.set({ script: [503, 503, 503, 503, 503, 503, 503, 503] });
    try {
      const p = sync(['--user', userId]);
      expect(await p.exited).toBe(0);
      expect(p.stdout()).toMatch(/^0% {2}retrying {2}stored 0 .* last error: \S.*$/m);
    } finally {
      sims.strava.faults.reset();
    }
    const [session] = await sessionsOf(userId);
    expect(session).toMatchObject({ status: 'completed' });
    const { rows } = await t.db.query<{ type: string }>(
      `select type from sync_events where session_id = $1 and type in ('sync:retrying', 'sync:completed')
       order by id`,
      [session?.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['sync:retrying', 'sync:completed']);
    expect((await storedIds(t.db, userId)).sort()).toEqual(simRuns(7));
  });

  it('cancels at a slice boundary on Ctrl-C (exit 130), and the same command resumes and completes exactly', async () => {
    const userId = await connectedUser(1);
    // Pages take 300 ms, so the walk through 1,200 activities is long enough to interrupt.
    sims.strava.faults.set({ latencyMs: 300 });
    try {
      const p = sync(['--user', userId, '--kind', 'backfill']);
      await until('a slice stored', async () => (await slicesStored(userId)) >= 1);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(p.stdout()).toContain('Cancelling: the sync stops at the next slice boundary');
      expect(p.stderr()).toContain('Cancelled; run the same command to resume.');
      expect(p.stdout()).toMatch(/^Cancelled in [\dhms ]+: stored \d+/m);
    } finally {
      sims.strava.faults.reset();
    }
    const [cancelled] = await sessionsOf(userId);
    expect(cancelled).toMatchObject({ status: 'cancelled', kind: 'backfill' });
    const storedBefore = (await storedIds(t.db, userId)).length;
    expect(storedBefore).toBe(cancelled?.activities_stored);
    expect(storedBefore).toBeLessThan(simRuns(1).length);

    const resumed = sync(['--user', userId]);
    expect(await resumed.exited).toBe(0);
    // Weather is unreachable here (see `env`): the summary says why nothing was enriched.
    expect(resumed.stdout()).toContain(
      'Weather and places were put off: Open-Meteo answered "not found": the configured address does not serve its archive.',
    );
    const sessions = await sessionsOf(userId);
    expect(sessions.map((x) => [x.kind, x.status])).toEqual([
      ['backfill', 'cancelled'],
      ['backfill', 'completed'],
    ]);
    // Resumed from the checkpoint: every activity listed once across the two sessions.
    expect(sessions.reduce((sum, x) => sum + x.activities_listed, 0)).toBe(1200);
    const stored = await storedIds(t.db, userId);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort()).toEqual(simRuns(1));
  });

  it('follows a session another worker holds, and takes it over when that worker dies', async () => {
    const userId = await connectedUser(3);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'elsewhere',
    });
    // Another worker holds the session and keeps renewing its lease, until it "dies".
    const owner = 'elsewhere#1';
    const leaseMs = 2_000;
    expect(await sessionStore.claim(t.db, session.id, owner, Date.now(), leaseMs)).toBeTruthy();
    const renewing = setInterval(() => {
      void sessionStore.renew(t.db, session.id, owner, Date.now(), leaseMs);
    }, 300);
    try {
      const p = sync(['--user', userId, '--kind', 'reconcile']);
      await p.waitForOutput(/Another worker is working this sync; following its progress\./);
      expect(p.stdout()).toContain(
        `Joined the backfill sync already active for user ${userId} (session ${session.id}, correlation id elsewhere). ` +
          'A user has one sync at a time: run this again for a reconcile once it has ended.',
      );
      clearInterval(renewing);
      expect(await p.exited).toBe(0);
    } finally {
      clearInterval(renewing);
    }
    expect(await sessionsOf(userId)).toMatchObject([{ id: session.id, status: 'completed' }]);
    expect((await storedIds(t.db, userId)).sort()).toEqual(simRuns(3));
  });

  it('quits at once on a second Ctrl-C, leaving the cancel request for the runner that comes next', async () => {
    const userId = await connectedUser(2);
    // Slow enough that the page after slice 1 is still on its way when the test sees that slice
    // stored (on a busy machine, seconds later): the page after that is asked at the long
    // latency below, so the sync cannot end before the second Ctrl-C.
    sims.strava.faults.set({ latencyMs: 2_000 });
    try {
      const p = sync(['--user', userId]);
      await until('a slice stored', async () => (await slicesStored(userId)) >= 1);
      // Held on the next page for a long while: the first Ctrl-C cannot finish the slice soon.
      sims.strava.faults.set({ latencyMs: 60_000 });
      p.child.kill('SIGINT');
      await p.waitForOutput(/Cancelling/);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(p.stderr()).toContain(
        'Quit without waiting. The sync is still asked to stop: it ends as cancelled when it is next taken up (its lease runs out within 1m)',
      );
    } finally {
      sims.strava.faults.reset();
    }
    const [session] = await sessionsOf(userId);
    expect(session?.status).toBe('running');
    expect(session?.cancel_requested_at).not.toBeNull();
  });

  it('shows until when a sync parked by Strava’s rate limit waits, and Ctrl-C cancels it at once', async () => {
    const userId = await connectedUser(6);
    const limiter = sims.strava.rateLimiter();
    const limits = limiter.limits;
    const used = limiter.usage();
    // The 15-minute window is spent: the next call is answered 429, and the sync parks until
    // the window resets (at most 15 minutes away, far longer than this test).
    limiter.limits = {
      overall: { ...limits.overall, fifteenMinute: used.overall.fifteenMinute },
      read: { ...limits.read, fifteenMinute: used.read.fifteenMinute },
    };
    try {
      const p = sync(['--user', userId]);
      const [, until] = await p.waitForOutput(
        /^0% {2}authenticating .* waiting for Strava's rate-limit window until (\d\d:\d\d)$/m,
      );
      const [session] = await sessionsOf(userId);
      expect(session).toMatchObject({ status: 'rate_limited' });
      const resumeAt = session?.resume_at as Date;
      expect(until).toBe(resumeAt.toISOString().slice(11, 16));
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(p.stderr()).toContain('Cancelled; run the same command to resume.');
      expect(await sessionsOf(userId)).toMatchObject([{ id: session?.id, status: 'cancelled' }]);
    } finally {
      limiter.limits = limits;
      // The shared ledger remembers the spent window until it resets; later syncs start afresh.
      await t.db.query(`delete from api_budget where provider = 'strava'`);
    }
  });
  it('says how many runs get weather today and the day the rest is done, under a small daily limit', async () => {
    const userId = await connectedUser(8);
    const oneCallPerDay = 3;
    const capped = { ...withOneCall, OPENWEATHER_ONECALL_DAILY_LIMIT: String(oneCallPerDay) };
    sims.openWeatherMap.setLimits({ perDay: oneCallPerDay });
    try {
      const first = sync(['--user', userId], capped);
      expect(await first.exited).toBe(0);
      const [, today] =
        first
          .stdout()
          .match(
            /^Weather: ([\d,]+) runs? gets? weather today; the rest by \w{3} \d{1,2} \w{3}\.$/m,
          ) ?? [];
      const weather = async () => {
        const { rows } = await t.db.query<{ status: string; lat: number; lng: number; at: Date }>(
          `select weather_status as status, start_lat as lat, start_lng as lng,
             start_date + make_interval(secs => elapsed_time_s / 2.0) as at
           from activities where user_id = $1 and weather_status <> 'not_applicable'`,
          [userId],
        );
        return rows;
      };
      // The runs the estimate said get weather today are the ones that got it.
      expect(Number(today)).toBe((await weather()).filter((r) => r.status === 'enriched').length);
      expect(Number(today)).toBeGreaterThan(0);

      // Today's calls are spent: the rest, one call per (cell, hour) at 3 a day after each
      // midnight UTC, ends on the day the second sync names.
      const second = sync(['--user', userId], capped);
      expect(await second.exited).toBe(0);
      const pending = (await weather()).filter((r) => r.status === 'pending');
      const slots = new Set(
        pending.map((r) => weatherSlotKey(weatherSlotOf(r.lat, r.lng, r.at.getTime()))),
      );
      const lastDay =
        (Math.floor(Date.now() / DAY_MS) + Math.ceil(slots.size / oneCallPerDay)) * DAY_MS;
      const date = new Intl.DateTimeFormat('en-GB', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        timeZone: 'UTC',
      }).format(lastDay);
      expect(second.stdout()).toContain(
        `Weather: 0 runs get weather today; the rest by ${date}.\n`,
      );
    } finally {
      sims.openWeatherMap.setLimits({ perDay: 1000 });
      await t.db.query(`delete from api_budget where provider = 'openweathermap'`);
    }
  });
});

describe('stridesync sync in demo mode', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-sync-demo-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('on the embedded database, says the simulated Strava is `stridesync start`’s and what to do', async () => {
    const p = runCli(['sync', '--user', randomUUID()], {}, workDir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain("Strava is the simulator 'stridesync start' serves");
    expect(p.stderr()).toContain('point DATABASE_URL at Postgres, run `npm start`');
  });

  it('beside `npm start` on Postgres, syncs the demo user against the simulator start serves', {
    timeout: 180_000,
  }, async () => {
    const t = await createPostgresTestDatabase();
    const demoEnv = { DATABASE_URL: t.url, PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const start = runCli(['start'], demoEnv, workDir);
    try {
      const [, url] = await start.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 60_000);
      const token = start.stdout().match(/Bearer ([\w.-]+)/)?.[1];
      // Connect Strava the way the dashboard does: through the simulator's OAuth.
      const connect = await fetch(`${url}/api/strava/connect`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'manual',
      });
      const approved = await fetch(connect.headers.get('location') ?? '', { redirect: 'manual' });
      const callback = new URL(approved.headers.get('location') ?? '');
      const connected = await fetch(`${url}/api/strava/callback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(Object.fromEntries(callback.searchParams)),
      });
      expect(connected.status).toBe(200);

      const p = runCli(['sync', '--user', DEMO_USER.id], demoEnv, workDir);
      expect(await p.exited).toBe(0);
      expect(p.stdout()).toMatch(/^Completed in [\dhms ]+: stored \d+/m);
      const { rows } = await t.db.query<{ status: string; stored: number; runs: number }>(
        `select status, activities_stored as stored,
           (select count(*)::int from activities where user_id = $1) as runs
         from sync_sessions where user_id = $1`,
        [DEMO_USER.id],
      );
      // The demo athlete's history, about 800 activities of which most are runs.
      expect(rows).toEqual([{ status: 'completed', stored: rows[0]?.runs, runs: rows[0]?.runs }]);
      expect(rows[0]?.runs).toBeGreaterThan(300);
    } finally {
      start.child.kill('SIGINT');
      await start.exited;
      await t.dispose();
    }
  });

  it('beside `npm start` on the embedded database, syncs the demo user through its server', {
    timeout: 400_000,
  }, async () => {
    const dir = mkdtempSync(path.join(workDir, 'embedded-'));
    const demoEnv = { PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const start = runCli(['start'], demoEnv, dir);
    try {
      const [, url] = await start.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 150_000);
      expect(start.stdout()).toContain(`Demo user: ${DEMO_USER.id}`);
      const auth = { authorization: `Bearer ${start.stdout().match(/Bearer ([\w.-]+)/)?.[1]}` };
      const connect = await fetch(`${url}/api/strava/connect`, {
        headers: auth,
        redirect: 'manual',
      });
      const approved = await fetch(connect.headers.get('location') ?? '', { redirect: 'manual' });
      const callback = new URL(approved.headers.get('location') ?? '');
      const connected = await fetch(`${url}/api/strava/callback`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(Object.fromEntries(callback.searchParams)),
      });
      expect(connected.status).toBe(200);

      // Another user is not the server's to sync: it signs in only the demo runner.
      const other = runCli(['sync', '--user', randomUUID()], demoEnv, dir);
      expect(await other.exited).toBe(1);
      expect(other.stderr()).toContain(`signs in only its own user, ${DEMO_USER.id}`);

      // Ctrl-C asks the server to cancel at the next slice boundary: 130, as a sync worked here.
      const interrupted = runCli(['sync', '--user', DEMO_USER.id], demoEnv, dir);
      await interrupted.waitForOutput(/following its progress\.\n/);
      interrupted.child.kill('SIGINT');
      expect(await interrupted.exited).toBe(130);
      expect(interrupted.stdout()).toContain(
        'Cancelling: the sync stops at the next slice boundary',
      );
      expect(interrupted.stdout()).toMatch(/^Cancelled in [\dhms ]+: stored \d+/m);
      expect(interrupted.stderr()).toContain('Cancelled; run the same command to resume.');

      const p = runCli(['sync', '--user', DEMO_USER.id], demoEnv, dir);
      expect(await p.exited).toBe(0);
      const out = p.stdout();
      expect(out).toMatch(
        new RegExp(
          `^Started a backfill sync for user ${DEMO_USER.id} \\(session [\\w-]+, correlation id \\S+\\)\\.$`,
          'm',
        ),
      );
      expect(out).toContain(
        `The stridesync server at ${url} (pid ${start.child.pid}) works this sync; following its progress.`,
      );
      // The same plain progress lines as a sync worked here, phase by phase, then the summary.
      const stages = [...out.matchAll(/^(?:\d+|--)% {2}(\w+) {2}stored \d+/gm)].map((m) => m[1]);
      expect(stages.at(-1)).toBe('completed');
      expect(out.trimEnd().split('\n').at(-1)).toMatch(
        /^Completed in [\dhms ]+: stored \d+, skipped \d+, enriched \d+, weather unavailable \d+\.$/,
      );
      const sessions = (await (await fetch(`${url}/api/syncs`, { headers: auth })).json()) as {
        items: { status: string; counts: { stored: number } }[];
      };
      // The second backfill went on from the cancelled one's checkpoint.
      expect(sessions.items).toMatchObject([{ status: 'completed' }, { status: 'cancelled' }]);
      const stored = sessions.items.reduce((sum, item) => sum + item.counts.stored, 0);
      expect(stored).toBeGreaterThan(300);
    } finally {
      start.child.kill('SIGINT');
      await start.exited;
    }

    // `serve` answers the API but works no syncs: a sync through it would wait for ever.
    const serve = runCli(['serve'], demoEnv, dir);
    try {
      await serve.waitForOutput(/127\.0\.0\.1:\d+/, 150_000);
      const p = runCli(['sync', '--user', DEMO_USER.id], demoEnv, dir);
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain('holds the embedded database but works no syncs');
      expect(p.stderr()).toContain("run 'stridesync start'");
    } finally {
      serve.child.kill('SIGINT');
      await serve.exited;
    }
  });

  it('without `npm start` running, says to run it first', async () => {
    const t = await createPostgresTestDatabase();
    try {
      const port = await freePort();
      const p = runCli(
        ['sync', '--user', randomUUID()],
        { DATABASE_URL: t.url, PORT: String(port), LOG_LEVEL: 'warn' },
        workDir,
      );
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`nothing answers at http://127.0.0.1:${port}/sim/strava/oauth`);
      expect(p.stderr()).toContain('Run `npm start` first (on the same DATABASE_URL and PORT)');
    } finally {
      await t.dispose();
    }
  });
});
