/**
 * The checks `stridesync verify` and `stridesync doctor` print: one line per check, its label
 * (`passed`, `warning`, `FAILED`, `SKIPPED`), its name and what was found, then the fix under it.
 * Each command decides what its outcomes mean for its exit code.
 */
export interface CheckOutcome {
  status: 'passed' | 'warning' | 'failed' | 'skipped';
  detail: string;
  /** Further lines under the detail (every problem of a configuration, say). */
  lines?: readonly string[];
  fix?: string;
  /** Nothing the other checks ask could be answered either: they are not run. */
  stopsTheRest?: string;
}

export type Check = readonly [name: string, run: () => Promise<CheckOutcome>];

export type CheckTally = Record<CheckOutcome['status'], number> & {
  /** Checks not run because one before them stopped the rest. */
  notRun: number;
};

const LABELS: Record<CheckOutcome['status'], string> = {
  passed: 'passed ',
  warning: 'warning',
  failed: 'FAILED ',
  skipped: 'SKIPPED',
};

/** How long one request of a check may take before the check fails. */
export const CHECK_TIMEOUT_MS = 10_000;

/**
 * Runs the checks in order and prints each; a check that throws is turned into an outcome by
 * `onThrow` (the command knows what a throw means for it).
 */
export async function runChecks(
  checks: readonly Check[],
  onThrow: (name: string, error: unknown) => CheckOutcome,
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<CheckTally> {
  const tally: CheckTally = { passed: 0, warning: 0, failed: 0, skipped: 0, notRun: 0 };
  const width = Math.max(...checks.map(([name]) => name.length));
  const indent = ' '.repeat(LABELS.passed.length + 2 + width + 2);
  for (const [i, [name, check]] of checks.entries()) {
    let outcome: CheckOutcome;
    try {
      outcome = await check();
    } catch (error) {
      outcome = onThrow(name, error);
    }
    tally[outcome.status] += 1;
    out(`${LABELS[outcome.status]}  ${name.padEnd(width)}  ${outcome.detail}\n`);
    for (const line of outcome.lines ?? []) out(`${indent}${line}\n`);
    if (outcome.fix) out(`${indent}fix: ${outcome.fix}\n`);
    if (outcome.stopsTheRest) {
      tally.notRun = checks.length - i - 1;
      out(`The other checks were not run: ${outcome.stopsTheRest}.\n`);
      break;
    }
  }
  return tally;
}

/** Why a request got no answer at all: `ECONNREFUSED`, `ENOTFOUND`, a timeout… */
export function noAnswerReason(error: unknown, timeoutMs = CHECK_TIMEOUT_MS): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (error as Error).name === 'TimeoutError'
    ? `no answer within ${timeoutMs / 1000} s`
    : (cause?.code ?? cause?.message ?? (error as Error).message);
}
