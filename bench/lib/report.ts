import type { Flags, Row } from './context';
import type { Machine } from './util';

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  command: string;
  label?: string;
  machine: Machine;
  loadAfter: [number, number, number];
  flags: Flags;
  /** The worker tuning in force: the product's defaults with the run's flags on top. */
  tuning: object;
  rows: Row[];
  failures: { scenario: string; error: string }[];
}

export function formatValue(row: Row): string {
  if (row.value === null) return '–';
  const v = row.value;
  if (row.unit === 'ms') return v.toFixed(0);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(1);
}

const ratioText = (r: Row) => (r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`);

/** The results as a fixed-width table for the terminal. */
export function textTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.scenario, r.figure, formatValue(r), r.unit, ratioText(r), r.note ?? '']);
  const head = ['scenario', 'figure', 'value', 'unit', 'vs baseline', 'note'];
  const widths = head.map((h, i) =>
    Math.min(i === 5 ? 200 : 90, Math.max(h.length, ...cells.map((c) => c[i]!.length))),
  );
  const line = (c: string[]) => c.map((x, i) => (i === 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

/** The results table in Markdown. */
export function markdownTable(rows: Row[]): string {
  return [
    '| Scenario | Figure | Value | Unit | vs baseline | Note |',
    '| --- | --- | ---: | --- | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${md(r.scenario)} | ${md(r.figure)} | ${formatValue(r)} | ${r.unit} | ${ratioText(r)} | ${md(r.note ?? '')} |`,
    ),
  ].join('\n');
}

export function markdownReport(report: RunReport): string {
  const m = report.machine;
  return [
    `# Benchmark run ${report.startedAt}${report.label ? ` (${report.label})` : ''}`,
    '',
    `Command: \`${report.command}\``,
    '',
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Node ${m.node}. ` +
      `Load average before ${m.load.join(' / ')}, after ${report.loadAfter.join(' / ')} (1/5/15 min).`,
    '',
    `Worker tuning: \`${JSON.stringify(report.tuning)}\`; Temporal dev server store: ${report.flags.temporalStore}; ` +
      `DATABASE_POOL_MAX: ${report.flags.poolMax ?? 'product default'}. Took ${Math.round(report.seconds)} s.`,
    '',
    markdownTable(report.rows),
    '',
    ...(report.failures.length > 0
      ? ['Scenarios that broke:', '', ...report.failures.map((f) => `- ${f.scenario}: ${f.error}`), '']
      : []),
  ].join('\n');
}
