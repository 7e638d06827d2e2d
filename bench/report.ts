import os from 'node:os';
import type { PassFigures } from './enrich-history.ts';
import { earliestFinishMs } from './free-tier.ts';
import { type ProviderRow, providerRows } from './provider-rows.ts';
import type { PairFigures } from './provider-scenario.ts';
import {
  decimal,
  duration,
  percent,
  perThousand,
  print,
  seconds,
  signed,
  table,
} from './report-format.ts';

/** The figures as markdown tables on stdout; docs/benchmarks.md copies them by hand. */
export interface BenchReport {
  results: PairFigures[];
  athletes: { demo: string; neighbour: string };
  syncMs: number;
  totalMs: number;
}

export function printReport(report: BenchReport): void {
  const rows = report.results.flatMap(providerRows);
  printHeader(report);
  printCalls(rows);
  printCache(rows);
  printTime(report.results);
  printChecks(report);
}

function printHeader(report: BenchReport): void {
  const cpus = os.cpus();
  const first = report.results[0];
  print(
    '# stridesync enrichment benchmark (`npm run bench`)',
    '',
    `${new Date().toISOString().slice(0, 10)} · node ${process.version} · ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}) · ${os.platform()} ${os.arch()}`,
    'Simulated, in this process over HTTP on 127.0.0.1: Strava, OpenWeatherMap, Open-Meteo, Nominatim.',
    'Real: the sync runner, enrichPending and the providers, ledger and caches behind it, Postgres (PGlite in memory).',
    '',
    `- demo athlete: ${report.athletes.demo}; ${first?.demoRuns} runs stored by the sync, ${first?.demoLookedUp} looked up (start coordinates, not virtual)`,
    `- neighbour: ${report.athletes.neighbour}; ${first?.neighbourRuns} runs stored, ${first?.neighbourLookedUp} looked up`,
  );
}

function printCalls(rows: ProviderRow[]): void {
  print('', '## Calls for the demo athlete’s whole history, caches empty', '');
  table(
    [
      'provider',
      'calls received',
      'per 1,000 runs',
      'per 1,000 looked-up runs',
      'estimateEnrichment',
      'estimate − measured',
    ],
    rows.map((row) => {
      const { first, estimate, demoRuns, demoLookedUp } = row.pair;
      const calls = row.calls(first);
      const units = row.weighted
        ? `; ${decimal(first.openMeteoUnits)} units (ledger ${first.openMeteoReserved})`
        : '';
      return [
        row.name,
        `${calls}${catchUpNote(row, first)}${units}`,
        perThousand(calls, demoRuns),
        perThousand(calls, demoLookedUp),
        `${estimate[row.half].calls}${row.weighted ? `; ${estimate[row.half].quotaUnits} units` : ''}`,
        signed(estimate[row.half].calls - calls),
      ];
    }),
  );
}

function printCache(rows: ProviderRow[]): void {
  print('', '## Shared cache: lookups answered without a call', '');
  table(
    ['provider', 'pass', 'lookups', 'from cache', 'hit rate', 'calls received', 'estimate'],
    rows.flatMap((row) =>
      passes(row.pair).map(([label, pass, estimate]) => {
        const { cacheHits, cacheMisses } = pass[row.half];
        return [
          row.name,
          label,
          String(cacheHits + cacheMisses),
          String(cacheHits),
          percent(cacheHits, cacheHits + cacheMisses),
          `${row.calls(pass)}${catchUpNote(row, pass)}`,
          estimate ? String(estimate[row.half].calls) : '',
        ];
      }),
    ),
  );
  const alone = rows.map((row) => `${row.name} ${row.pair.neighbourAloneEstimate[row.half].calls}`);
  print(
    '',
    'lookups: distinct 0.1° cell × UTC hour slots (weather) or 0.01° cells (places) per slice, as enrichPending counts them; a slot asked again after the archive caught up counts twice.',
    'estimate: estimateEnrichment before the pass, given the keys already in the cache.',
    `Pass 3 without the shared cache (estimate): ${alone.join(', ')}.`,
  );
}

function printTime(results: PairFigures[]): void {
  print('', '## Time to enrich the demo athlete’s whole history', '');
  table(
    [
      'provider',
      'quota units',
      'share of a free day',
      'under the free tier (computed)',
      'estimateEnrichment',
      'clients’ waits (manual clock)',
      'wall time, this machine',
    ],
    results.flatMap((pair) => {
      const rows = providerRows(pair);
      const together = earliestFinishMs(rows.map((row) => row.batch(pair.first)));
      return [
        ...rows.map((row) => {
          const batch = row.batch(pair.first);
          const units = batch.calls * batch.weight;
          return [
            row.name,
            decimal(units),
            row.dailyFreeUnits ? percent(units, row.dailyFreeUnits) : 'no daily cap',
            limitedTime(earliestFinishMs([batch])),
            `${duration(pair.estimate[row.half].durationMs)}${days(pair.estimate[row.half].days)}`,
            '',
            '',
          ];
        }),
        [
          `**${pair.pair.label}: weather, then places**`,
          '',
          '',
          `**${limitedTime(together)}**`,
          `**${duration(pair.estimate.durationMs)}**`,
          duration(pair.first.clockMs),
          seconds(pair.first.wallMs),
        ],
      ];
    }),
  );
  print(
    '',
    'under the free tier: when the last call may be sent, starting at a UTC midnight, each call as soon as every free-tier window it spends has room; response times not counted.',
    'estimateEnrichment: its own model, with stridesync’s default caps: calls one after another at 250 ms or the per-minute cap, whichever is slower.',
    'clients’ waits: how far the providers’ own waits (minute windows, Nominatim’s 1/s) moved the manual clock in the pass; the simulators answer at once, so wall time is this machine’s work.',
  );
}

function printChecks(report: BenchReport): void {
  print('', '## Checks', '');
  for (const pair of report.results) {
    const all = [pair.first, pair.again, pair.neighbour];
    const total = (of: (pass: PassFigures) => number) => all.reduce((n, p) => n + of(p), 0);
    const rows = providerRows(pair);
    const used = total((p) => rows.reduce((n, row) => n + row.calls(p), 0));
    const { oneCall, owmGeocoding, openMeteo, nominatim } = {
      oneCall: total((p) => p.calls.oneCall),
      owmGeocoding: total((p) => p.calls.owmGeocoding),
      openMeteo: total((p) => p.calls.openMeteo),
      nominatim: total((p) => p.calls.nominatim),
    };
    print(
      `- ${pair.pair.label}: demo ${statusLine(pair.statuses.demo)}; neighbour ${statusLine(pair.statuses.neighbour)}; 429s received ${total((p) => p.calls.refused)}; calls to the other providers ${oneCall + owmGeocoding + openMeteo + nominatim - used}; budgets waited out ${total((p) => p.budgetWaits)}`,
    );
  }
  print(
    '',
    `Wall time, one run on this machine: sync of both histories ${seconds(report.syncMs)}, whole bench ${seconds(report.totalMs)}.`,
  );
}

function passes(pair: PairFigures) {
  return [
    ['1. demo, cache empty', pair.first, pair.estimate],
    ['2. demo again, same runs', pair.again, undefined],
    ['3. neighbour, cache of pass 1', pair.neighbour, pair.neighbourEstimate],
  ] as const;
}

function catchUpNote(row: ProviderRow, pass: PassFigures): string {
  const later = row.calls(pass, 'catchUp');
  return later > 0 ? ` (${later} once the archive had the newest runs)` : '';
}

function limitedTime(ms: number): string {
  return ms === 0 ? 'no wait: fits the first window' : duration(ms);
}

function days(n: number): string {
  return n > 1 ? ` (${n} days)` : '';
}

function statusLine(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
}
