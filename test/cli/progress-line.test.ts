import { describe, expect, it } from 'vitest';
import { formatDuration, progressLine, summaryLine } from '../../src/cli/progress-line.ts';
import { createProgressPrinter, PLAIN_LINE_INTERVAL_MS } from '../../src/cli/progress-printer.ts';
import type { SyncSessionRow } from '../../src/core/sync-session.ts';

const at = (iso: string) => Date.parse(iso);

function session(patch: Partial<SyncSessionRow> = {}): SyncSessionRow {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    user_id: '00000000-0000-4000-8000-000000000002',
    kind: 'backfill',
    status: 'running',
    phase: 'fetching',
    activities_listed: 0,
    activities_stored: 0,
    activities_changed: 0,
    activities_skipped: 0,
    activities_enriched: 0,
    weather_unavailable: 0,
    total_estimate: 800,
    skipped_reasons: {},
    checkpoint: null,
    input: null,
    error_code: null,
    error_message: null,
    error_hint: null,
    error_failure_type: null,
    warning_code: null,
    warning_message: null,
    lease_owner: 'cli:host:1#1',
    lease_expires_at: null,
    cancel_requested_at: null,
    resume_at: null,
    waiting_for: null,
    started_at: new Date('2026-03-01T10:00:00Z'),
    finished_at: null,
    correlation_id: 'cli-test',
    created_at: new Date('2026-03-01T10:00:00Z'),
    updated_at: new Date('2026-03-01T10:00:00Z'),
    ...patch,
  };
}

describe('the progress line', () => {
  it('shows the bar, percent, phase, counts and ETA that computeProgress gives', () => {
    // 400 of 800 stored in 60 s: 40% (fetching is 80% of the bar), 90 s to go.
    const line = progressLine(
      session({ activities_stored: 400, activities_enriched: 0 }),
      at('2026-03-01T10:01:00Z'),
      { bar: true, barWidth: 10 },
    );
    expect(line).toBe('[████░░░░░░] 40%  fetching  stored 400/800  enriched 0  ETA 1m 30s');
  });

  it('leaves the bar empty and the percent unknown without an estimate, and shows no ETA', () => {
    const line = progressLine(
      session({ kind: 'incremental', total_estimate: null, activities_stored: 12 }),
      at('2026-03-01T10:01:00Z'),
      { bar: true, barWidth: 4 },
    );
    expect(line).toBe('[░░░░] --%  fetching  stored 12  enriched 0');
  });

  it('drops the estimate once the history has outgrown it (Strava counts only public runs)', () => {
    const line = progressLine(
      session({ phase: 'enriching', activities_stored: 99, total_estimate: 87 }),
      at('2026-03-01T10:01:00Z'),
    );
    expect(line).toBe('80%  enriching  stored 99  enriched 0  ETA 15s');
  });

  it('says until when a parked session waits for Strava’s window', () => {
    const line = progressLine(
      session({
        status: 'rate_limited',
        activities_stored: 200,
        resume_at: new Date('2026-03-01T10:45:00Z'),
      }),
      at('2026-03-01T10:30:00Z'),
      { timeZone: 'UTC' },
    );
    // 30 minutes for 20%, two hours more at that pace, and the 15 minutes' wait.
    expect(line).toBe(
      "20%  fetching  stored 200/800  enriched 0  ETA 2h 15m  waiting for Strava's rate-limit window until 10:45",
    );
  });

  it('says which provider’s limit a session parked in enriching waits for, and for how long', () => {
    const line = progressLine(
      session({
        status: 'rate_limited',
        phase: 'enriching',
        activities_stored: 800,
        activities_enriched: 700,
        resume_at: new Date('2026-03-01T10:10:40Z'),
        waiting_for: 'nominatim',
      }),
      at('2026-03-01T10:10:00Z'),
    );
    // The ETA counts the 40 s the window has left, not only the work.
    expect(line).toBe(
      "95%  enriching  stored 800/800  enriched 700  ETA 1m 6s  waiting for OpenStreetMap's limit (Nominatim), 40s left",
    );
  });

  it('names a session waiting for a retry, and why', () => {
    const line = progressLine(
      session({
        status: 'queued',
        error_code: 'strava_unavailable',
        error_message: 'Strava is down.',
      }),
      at('2026-03-01T10:01:00Z'),
    );
    expect(line).toContain('retrying  stored 0/800');
    expect(line).toContain('last error: Strava is down.');
  });

  it('sums up an ended session with its counts and duration', () => {
    const ended = session({
      status: 'completed',
      phase: 'finalizing',
      activities_stored: 412,
      activities_skipped: 38,
      activities_enriched: 400,
      weather_unavailable: 12,
      finished_at: new Date('2026-03-01T10:01:12Z'),
    });
    expect(summaryLine(ended, at('2026-03-01T11:00:00Z'))).toBe(
      'Completed in 1m 12s: stored 412, skipped 38, enriched 400, weather unavailable 12.',
    );
  });

  it('says a session completed with a warning, and what the warning is', () => {
    const ended = session({
      status: 'completed',
      phase: 'finalizing',
      activities_stored: 60,
      finished_at: new Date('2026-03-01T10:00:30Z'),
      warning_code: 'open_meteo_not_found',
      warning_message: 'Runs are stored without weather or place: Open-Meteo was not found.',
    });
    expect(summaryLine(ended, at('2026-03-01T11:00:00Z'))).toBe(
      'Completed with a warning in 30s: stored 60, skipped 0, enriched 0, weather unavailable 0.\n' +
        'Warning: Runs are stored without weather or place: Open-Meteo was not found.',
    );
  });

  it('formats durations as a person reads them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.6)).toBe('1m');
    expect(formatDuration(80)).toBe('1m 20s');
    expect(formatDuration(7500)).toBe('2h 5m');
  });
});

describe('the progress printer', () => {
  const sink = (isTTY: boolean, columns = 100) => {
    const written: string[] = [];
    return { written, out: { isTTY, columns, write: (text: string) => written.push(text) } };
  };
  const CLEAR_LINE = '\x1b[K';

  it('on a terminal, redraws one line in place, keeps notes and logs above it, and ends it with a newline', () => {
    const { written, out } = sink(true);
    const printer = createProgressPrinter(out);
    printer.update(session({ activities_stored: 80 }), at('2026-03-01T10:00:10Z'));
    printer.note('Cancelling');
    const logs: string[] = [];
    printer.note('{"level":40}', { write: (text: string) => logs.push(text) });
    printer.finish();
    expect(written).toEqual([
      `\r[██░░░░░░░░░░░░░░░░░░] 8%  fetching  stored 80/800  enriched 0  ETA 1m 55s${CLEAR_LINE}`,
      `\r${CLEAR_LINE}`,
      'Cancelling\n',
      written[0],
      `\r${CLEAR_LINE}`,
      written[0],
      '\n',
    ]);
    expect(logs).toEqual(['{"level":40}\n']);
  });

  it('narrows the bar to fit a narrow terminal, and drops it when there is no room (80 when unsized)', () => {
    const row = session({ activities_stored: 400 });
    const now = at('2026-03-01T10:01:00Z');
    const narrow = sink(true, 64);
    createProgressPrinter(narrow.out).update(row, now);
    // A line as wide as the terminal would wrap, and `\r` could not redraw it.
    expect(narrow.written[0]).toBe(
      `\r[███░░░░] 40%  fetching  stored 400/800  enriched 0  ETA 1m 30s${CLEAR_LINE}`,
    );
    const unsized = sink(true, 0);
    createProgressPrinter(unsized.out).update(row, now);
    expect(unsized.written[0]).toBe(
      `\r[████████░░░░░░░░░░░░] 40%  fetching  stored 400/800  enriched 0  ETA 1m 30s${CLEAR_LINE}`,
    );
    const tiny = sink(true, 30);
    createProgressPrinter(tiny.out).update(row, now);
    expect(tiny.written[0]).toBe(`\r40%  fetching  stored 400/800${CLEAR_LINE}`);
  });

  it('elsewhere, prints a plain line at each phase and at most every few seconds in between', () => {
    const { written, out } = sink(false);
    const printer = createProgressPrinter(out);
    const t0 = at('2026-03-01T10:00:10Z');
    printer.update(session({ phase: 'authenticating' }), t0);
    printer.update(session({ activities_stored: 10 }), t0 + 500);
    printer.update(session({ activities_stored: 20 }), t0 + 1000);
    printer.update(session({ activities_stored: 20 }), t0 + 500 + PLAIN_LINE_INTERVAL_MS);
    printer.update(session({ activities_stored: 20 }), t0 + 500 + 2 * PLAIN_LINE_INTERVAL_MS);
    printer.update(
      session({ phase: 'enriching', activities_stored: 20 }),
      t0 + 600 + 2 * PLAIN_LINE_INTERVAL_MS,
    );
    expect(written.map((line) => line.split('  ')[1])).toEqual([
      'authenticating',
      'fetching',
      'fetching',
      'enriching',
    ]);
    expect(written[1]).toContain('stored 10/800');
    expect(written[2]).toContain('stored 20/800');
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
  });
});
