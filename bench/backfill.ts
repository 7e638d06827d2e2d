import { STRAVA_DEFAULT_LIMITS } from '../src/budget/rate-windows.ts';
import type { BenchSize } from './bench-results.ts';
import { duration, print, table, seconds as tenths } from './report-format.ts';
import {
  benchSyncFloor,
  type FloorSize,
  printSyncFloor,
  type SizeFigures,
  type SyncFloorResult,
} from './sync-floor.ts';

/**
 * `npm run bench -- backfill [--full]` (B1): a whole history backfilled on Postgres, as deployed,
 * by the no-key setup (the default install), at 150 ms a call under the published limits:
 * sync-floor's measurement (`benchSyncFloor`) at 1,000, 10,000 and 50,000 activities, read for
 * when the first run is visible, when every run is stored and when every run is enriched, with
 * Strava's calls against ⌈N/200⌉; and the naive sync beside it, storing only at every size (its
 * time to every run stored) and with its per-run lookups where the wall time allows (0.3 s a
 * run: 1,000 activities; at 10,000 they would add about half an hour). Where the lookups are
 * not run, the naive sync's time to every run enriched is extrapolated from the measured rate,
 * and said so.
 */
const athlete = (activities: number, years: number): FloorSize['athlete'] => ({
  seed: `backfill-${activities}`,
  activityCount: activities,
  years,
});

/** CI's size: about a minute, the naive sync both ways included. */
const QUICK: readonly FloorSize[] = [
  {
    label: '200 activities',
    athlete: athlete(200, 2),
    naive: true,
    naiveStoring: true,
    setups: ['no key'],
  },
];

const FULL: readonly FloorSize[] = [
  {
    label: '1,000 activities',
    athlete: athlete(1000, 5),
    naive: true,
    naiveStoring: true,
    setups: ['no key'],
  },
  {
    label: '10,000 activities',
    athlete: athlete(10_000, 15),
    naive: false,
    naiveStoring: true,
    setups: ['no key'],
  },
  {
    label: '50,000 activities',
    athlete: athlete(50_000, 20),
    naive: false,
    naiveStoring: true,
    setups: ['no key'],
  },
];

export function benchBackfill(size: BenchSize): Promise<SyncFloorResult> {
  return benchSyncFloor(size.full ? FULL : QUICK, { store: 'postgres' });
}

/**
 * The least time `calls` list pages can take one after another at `latencyMs` each, under
 * Strava's 100 reads a calendar quarter hour (the bench starts on one's first instant).
 */
export function stravaStoringFloorMs(calls: number, latencyMs: number): number {
  const perWindow = STRAVA_DEFAULT_LIMITS.read15min;
  const fullWindows = Math.ceil(calls / perWindow) - 1;
  return fullWindows * 15 * 60_000 + (calls - fullWindows * perWindow) * latencyMs;
}

export function printBackfill(result: SyncFloorResult): void {
  print('', '## Backfill at scale (B1)', '', `Store: ${result.store}`, '');
  const measured = result.sizes.find((s) => s.naive);
  const rate = measured?.naive?.msPerRun;
  table(
    [
      'activities',
      'sync',
      'runs stored (with GPS)',
      'first run',
      'all stored',
      'storing floor (⌈N/200⌉ × 150 ms, 100 a quarter hour)',
      'all enriched',
      'Strava calls (⌈N/200⌉)',
      '429s',
      'naive ÷ stridesync: stored',
      'enriched',
      'wall',
    ],
    result.sizes.flatMap((size) => rowsOf(size, rate, measured?.size)),
  );
  if (rate !== undefined)
    print(
      '',
      `Naive with lookups: ${(rate / 1000).toFixed(2)} s a run with GPS, measured at ${measured?.size}; where it has no row of its own its time to every run enriched is at least that rate × the runs with GPS stridesync enriched (extrapolated; the daily caps it would meet are not counted).`,
    );
  printSyncFloor(result);
}

function rowsOf(
  size: SizeFigures,
  naiveRate: number | undefined,
  rateFrom: string | undefined,
): string[][] {
  const setup = size.setups[0];
  if (!setup) return [];
  const stored = setup.storedMs;
  const floorMs = stravaStoringFloorMs(setup.stravaFloor, size.latencyMs.strava);
  const seconds = (ms: number | undefined) =>
    ms === undefined ? '—' : ms < 60_000 ? tenths(ms) : duration(ms);
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '—' : `${(a / b).toFixed(1)}×`;
  const enrichedRuns = setup.runsWithGps - setup.waitingForArchive;
  const naiveEnrichedMs = size.naive?.durationMs ?? (naiveRate ?? 0) * enrichedRuns;
  const naiveEnriched =
    size.naive || naiveRate === undefined
      ? ratio(size.naive?.durationMs, setup.durationMs)
      : `≥ ${ratio(naiveEnrichedMs, setup.durationMs)} (extrapolated from ${rateFrom})`;
  const rows = [
    [
      size.size,
      'stridesync',
      `${setup.runs} (${setup.runsWithGps})`,
      seconds(setup.firstRunMs),
      seconds(stored),
      `${seconds(floorMs)}; ${ratio(stored, floorMs)}`,
      seconds(setup.durationMs),
      `${setup.stravaCalls} (${setup.stravaFloor}); ${ratio(setup.stravaCalls, setup.stravaFloor)}`,
      String(setup.calls.refused + setup.stravaRefused),
      ratio(size.naiveStoring?.durationMs ?? size.naive?.durationMs, stored),
      naiveEnriched,
      seconds(setup.wallMs),
    ],
  ];
  for (const [label, naive] of [
    ['naive, storing only', size.naiveStoring],
    ['naive, with lookups', size.naive],
  ] as const) {
    if (!naive) continue;
    rows.push([
      size.size,
      label,
      `${naive.stored} (${naive.runs || '—'})`,
      seconds(naive.firstRowMs),
      seconds(naive.durationMs),
      '',
      naive.runs ? seconds(naive.durationMs) : '—',
      String(naive.stravaCalls),
      String(naive.refused),
      '',
      '',
      seconds(naive.wallMs),
    ]);
  }
  if (!size.naive && naiveRate !== undefined)
    rows.push([
      size.size,
      'naive, with lookups',
      `(${enrichedRuns})`,
      '',
      `≥ ${seconds(naiveEnrichedMs)} (extrapolated)`,
      '',
      `≥ ${seconds(naiveEnrichedMs)} (extrapolated)`,
      '',
      '',
      '',
      '',
      '',
    ]);
  return rows;
}
