import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli.ts';

const DOC = new URL('../../docs/deploy.md', import.meta.url);

/** Every `stridesync …` line of the runbook's code blocks, as words (placeholders kept). */
function deployCommands(): string[][] {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)];
  return blocks
    .flatMap(([, body]) => (body as string).split('\n'))
    .map((line) => line.trim().split(/\s+/))
    .map((words) => words.slice(words.indexOf('stridesync')))
    .filter((words) => words[0] === 'stridesync')
    .map((words) => words.slice(1));
}

/**
 * The runbook's commands must run: each names a command of the CLI's table and parses with its
 * options and argument count exactly as `stridesync` would parse it. (What each one does is
 * exercised by its own tests: flags, strava, migrate, migrate-legacy-tokens.)
 */
describe('docs/deploy.md', () => {
  const commands = deployCommands();

  it('has the commands of each step', () => {
    const names = new Set(commands.map((c) => `${c[0]} ${c[1] ?? ''}`.trim()));
    for (const wanted of [
      'migrate',
      'strava subscribe',
      'strava subscription',
      'strava unsubscribe',
      'migrate-legacy-tokens --dry-run',
      'flags set',
      'flags off',
      'flags list',
      'migrate --down',
      'verify --url',
    ])
      expect(names).toContain(wanted);
  });

  it.each(deployCommands().map((c) => [c.join(' '), c] as const))(
    '`stridesync %s` parses',
    (_, words) => {
      const [name, ...rest] = words;
      const command = COMMANDS.find((c) => c.name === name);
      expect(command, `no command '${name}'`).toBeDefined();
      const { positionals } = parseArgs({
        args: rest,
        options: command?.options ?? {},
        allowPositionals: command?.positionals !== undefined,
        strict: true,
      });
      const { min, max } = command?.positionals ?? { min: 0, max: 0 };
      expect(positionals.length).toBeGreaterThanOrEqual(min);
      expect(positionals.length).toBeLessThanOrEqual(max);
    },
  );

  it('catches a command or option the CLI does not know', () => {
    const unknown = () =>
      parseArgs({
        args: ['--percentage', '5'],
        options: COMMANDS.find((c) => c.name === 'flags')?.options ?? {},
        strict: true,
        allowPositionals: true,
      });
    expect(unknown).toThrow(/Unknown option/);
    expect(COMMANDS.find((c) => c.name === 'deploy')).toBeUndefined();
  });
});
