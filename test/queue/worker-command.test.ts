import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';

describe('stridesync worker', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-worker-'));
  });
  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('explains itself with --help', async () => {
    const p = runCli(['worker', '--help'], {}, workDir);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('Usage: stridesync worker [options]');
    expect(p.stdout()).toContain('--job-deadline <s>');
    const overview = runCli(['--help'], {}, workDir);
    expect(await overview.exited).toBe(0);
    expect(overview.stdout()).toMatch(/worker\s+Work sync jobs from the queue/);
  });

  it('refuses a job deadline pg-boss would cut short, naming the limit', async () => {
    const p = runCli(['worker', '--job-deadline', '3600'], {}, workDir);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('--job-deadline must be a number between 1 and 900');
  });

  it('refuses a bad cron option as a usage error, and a bad setting in the environment by name', async () => {
    const option = runCli(['worker', '--reconcile-cron', '30 3 * *'], {}, workDir);
    expect(await option.exited).toBe(2);
    expect(option.stderr()).toContain("--reconcile-cron: '30 3 * *' is not a five-field cron");
    const env = runCli(['worker'], { SYNC_JOB_DEADLINE_S: '3600' }, workDir);
    expect(await env.exited).toBe(1);
    expect(env.stderr()).toContain(
      'SYNC_JOB_DEADLINE_S must be a number of seconds between 1 and 900',
    );
  });

  it('on the embedded database in demo mode, points to stridesync start', async () => {
    const p = runCli(['worker'], {}, workDir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('`stridesync start` already runs a worker');
  });
});
