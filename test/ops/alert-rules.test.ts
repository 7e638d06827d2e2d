import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIR = new URL('../../ops/prometheus/', import.meta.url);
const RULES = new URL('alerts.yml', DIR).pathname;
const RULE_TESTS = new URL('alerts.test.yml', DIR).pathname;

/** Debian's `prometheus` package ships promtool (.ci/run installs it). */
describe('the Prometheus alerting rules (ops/prometheus)', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', RULES]);
    expect(stdout).toMatch(/SUCCESS: 7 rules found/);
  });

  it('pass promtool test rules against their sample series', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', RULE_TESTS]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('name only metrics that GET /api/metrics serves', async () => {
    const rules = await readFile(RULES, 'utf8');
    const served = await readFile(
      new URL('../../src/http/routes/metrics.ts', import.meta.url),
      'utf8',
    );
    const named = [...new Set(rules.match(/stridesync_[a-z_]+/g))];
    expect(named.length).toBeGreaterThan(5);
    // A gauge by its quoted name, a database counter as a key of the COUNTERS table.
    const serves = (name: string) =>
      served.includes(`'${name}'`) || served.includes(`  ${name}: {`);
    expect(named.filter((name) => !serves(name))).toEqual([]);
  });
});
