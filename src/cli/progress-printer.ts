import {
  DEFAULT_BAR_WIDTH,
  type DisplayedSession,
  type ProgressLineOptions,
  progressLine,
} from './progress-line.ts';

/** A stream to print on, as `process.stdout` is one. */
export interface TextOut {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressPrinter {
  /** Shows the session as read at `nowMs`. */
  update(session: DisplayedSession, nowMs: number): void;
  /**
   * A message between progress lines ("Cancelling…", a log line), on `to` (default the progress
   * stream); on a terminal the progress line is cleared first and drawn again below it.
   */
  note(text: string, to?: TextOut): void;
  /** Ends the display; the last progress line stays on screen. */
  finish(): void;
}

const MIN_BAR_WIDTH = 5;
/** Without a terminal (CI, a pipe), a line at most this often unless the phase changes. */
export const PLAIN_LINE_INTERVAL_MS = 5_000;

/**
 * On a terminal, one line redrawn in place with a bar. Elsewhere a log must stay readable, so a
 * plain line whenever the session enters a new phase or status, and otherwise every few seconds
 * while the counts move (a session parked for fifteen minutes prints nothing new).
 */
export function createProgressPrinter(
  out: TextOut,
  options: Omit<ProgressLineOptions, 'bar'> = {},
): ProgressPrinter {
  return out.isTTY ? terminalPrinter(out, options) : plainPrinter(out, options);
}

function terminalPrinter(out: TextOut, options: ProgressLineOptions): ProgressPrinter {
  let line: string | undefined;
  /**
   * A line wider than the terminal wraps, and `\r` then redraws only its last row: the bar
   * narrows to leave the words room, and goes on a narrow terminal, which cuts what is left.
   */
  const fitWidth = (session: DisplayedSession, nowMs: number) => {
    // A terminal that reports no size (0, as some pseudo-terminals do) is taken as 80 wide.
    const width = (out.columns || 80) - 1;
    const words = progressLine(session, nowMs, { ...options, bar: false });
    const barWidth = Math.min(DEFAULT_BAR_WIDTH, width - words.length - 3);
    if (barWidth < MIN_BAR_WIDTH) return words.slice(0, width);
    return progressLine(session, nowMs, { ...options, bar: true, barWidth });
  };
  const draw = () => {
    if (line !== undefined) out.write(`\r${line}\x1b[K`);
  };
  return {
    update(session, nowMs) {
      line = fitWidth(session, nowMs);
      draw();
    },
    note(text, to = out) {
      if (line !== undefined) out.write('\r\x1b[K');
      to.write(`${text}\n`);
      draw();
    },
    finish() {
      if (line !== undefined) out.write('\n');
      line = undefined;
    },
  };
}

function plainPrinter(out: TextOut, options: ProgressLineOptions): ProgressPrinter {
  let last: { stage: string; counts: string; atMs: number } | undefined;
  return {
    update(session, nowMs) {
      const stage = `${session.status}/${session.phase}`;
      const counts = [
        session.activities_stored,
        session.activities_skipped,
        session.activities_enriched,
        session.weather_unavailable,
      ].join('/');
      const due =
        !last ||
        stage !== last.stage ||
        (counts !== last.counts && nowMs - last.atMs >= PLAIN_LINE_INTERVAL_MS);
      if (!due) return;
      out.write(`${progressLine(session, nowMs, { ...options, bar: false })}\n`);
      last = { stage, counts, atMs: nowMs };
    },
    note(text, to = out) {
      to.write(`${text}\n`);
    },
    finish() {},
  };
}
