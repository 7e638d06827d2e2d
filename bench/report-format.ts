/** Plain formatting for the report: markdown tables and human units. */

export function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  print(line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
}

export function print(...lines: string[]): void {
  for (const line of lines) console.log(line);
}

export function perThousand(calls: number, runs: number): string {
  return runs === 0 ? '—' : String(Math.round((calls * 1000) / runs));
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((part * 100) / whole).toFixed(1)} %`;
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export function decimal(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `1 d 2 h 3 min 4 s`, leaving out zero parts. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'min'],
    [s % 60, 's'],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return shown.length > 0 ? shown.join(' ') : '0 s';
}
