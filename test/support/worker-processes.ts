import { spawn } from 'node:child_process';
import type { CliProcess } from './cli-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPT = new URL('./sim-worker-process.ts', import.meta.url).pathname;

/** How a test worker process is set up: WorkerSettings' numbers, plus the providers' timeout. */
export interface TestWorkerSettings {
  concurrency?: number;
  jobDeadlineMs?: number;
  leaseTtlMs?: number;
  reapIntervalMs?: number;
  pollingIntervalS?: number;
  stopTimeoutMs?: number;
  perPage?: number;
  httpTimeoutMs?: number;
}

export interface WorkerProcess extends CliProcess {
  /** `host:pid`, as it names itself in leases (known once it is working the queue). */
  owner(): string | undefined;
  /** The Strava listing calls it made: token prefix and wall-clock interval. */
  calls(): { token: string; start: number; end: number }[];
}

/** Starts `test/support/sim-worker-process.ts` as a real OS process (node + tsx's loader). */
export function startWorkerProcess(
  env: Record<string, string | undefined>,
  settings: TestWorkerSettings,
): WorkerProcess {
  // Node itself with tsx's loader, not the tsx wrapper: the pid is the worker's own, so a
  // SIGKILL kills the worker (the wrapper would die and leave its child running).
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      STRIDESYNC_TEST_WORKER: JSON.stringify(settings),
    },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ? null : code)),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    owner: () => /^worker (\S+) is working the queue$/m.exec(out)?.[1],
    calls: () =>
      [...out.matchAll(/^CALL (.*)$/gm)].map(
        (m) => JSON.parse(m[1] as string) as { token: string; start: number; end: number },
      ),
    async waitForOutput(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = out.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `exited ${child.exitCode ?? child.signalCode} before ${pattern}: ${err.slice(-3000)}`,
          );
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}; stderr: ${err.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** Percentile of numbers (nearest rank), for the suites' recorded figures. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
}

/** `STRIDESYNC_SUITE_SIZE=full` selects a suite's full size; anything else, its CI size. */
export const FULL_SIZE = process.env.STRIDESYNC_SUITE_SIZE === 'full';
