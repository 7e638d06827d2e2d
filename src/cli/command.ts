import type { ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CliCommand {
  name: string;
  summary: string;
  /** The whole `--help` text. */
  usage: string;
  options?: CliOptions;
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number };
  /** Resolves with the exit code, or nothing for 0; throws to report a failure. */
  run(values: CliValues, positionals: string[]): Promise<number | undefined> | Promise<void>;
}

/** Wrong arguments: answered with the command's usage and exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
