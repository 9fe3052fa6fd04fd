// `ferry bench bgp` results: the table (measure, Ferry, BIRD, ratio), rendered as text and
// Markdown with the machine and date. Pure.
import { formatRatio, renderMarkdown, renderText, type Table } from '../common/format.js';
import { describeMachine, type MachineInfo, machineMarkdown } from '../common/machine.js';
import { ratio } from '../common/stats.js';

/** What one receiver (the appliance, or a BIRD) took to learn the table. */
export interface ReceiverResult {
  /** Established to the last prefix installed */
  ms: number | null;
  /** Established to the first UPDATE (or first route seen): the sender's pacing, not the receiver's work */
  firstMs: number | null;
  /** CPU time (user + system) the receiver spent from before the session to the full table */
  cpuMs: number | null;
  /** resident memory after the table minus before the session */
  rssGrowthBytes: number | null;
  routes: number;
  /** extra figures shown in the notes (heap, BIRD's own accounting) */
  detail: Record<string, number | string>;
}

export interface BgpReport {
  date: string;
  machine: MachineInfo;
  settings: { ipv4: number; ipv6: number; pollMs: number };
  ferry: ReceiverResult;
  bird: ReceiverResult;
  notes: string[];
}

/** SI, as every report prints bytes (docs/benchmarks.md, "Units"). */
const MB = 1e6;

function num(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

export function summaryTable(r: BgpReport): Table {
  const routes = r.settings.ipv4 + r.settings.ipv6;
  const perRoute = (x: ReceiverResult) => (x.rssGrowthBytes === null ? null : x.rssGrowthBytes / routes);
  const load = (x: ReceiverResult) => (x.ms === null || x.firstMs === null ? null : x.ms - x.firstMs);
  const rate = (x: ReceiverResult) => {
    const ms = load(x);
    return ms ? routes / (ms / 1000) : null;
  };
  const rows: [string, number | null, number | null, number][] = [
    ['Established → full table (ms)', r.ferry.ms, r.bird.ms, 0],
    ['first UPDATE → full table (ms)', load(r.ferry), load(r.bird), 0],
    ['routes per second (from first UPDATE)', rate(r.ferry), rate(r.bird), 0],
    ['receiver CPU time (ms)', r.ferry.cpuMs, r.bird.cpuMs, 0],
    ['RSS growth (MB)', mb(r.ferry.rssGrowthBytes), mb(r.bird.rssGrowthBytes), 1],
    ['RSS growth per route (B)', perRoute(r.ferry), perRoute(r.bird), 1],
  ];
  return {
    headers: ['measure', 'Ferry', 'BIRD', 'ratio'],
    numeric: [1, 2, 3],
    rows: rows.map(([name, f, b, d]) => [name, num(f, d), num(b, d), formatRatio(ratio(f, b))]),
  };
}

function mb(bytes: number | null): number | null {
  return bytes === null ? null : bytes / MB;
}

function settingsLine(r: BgpReport): string {
  return (
    `${r.settings.ipv4.toLocaleString('en')} IPv4 + ${r.settings.ipv6.toLocaleString('en')} IPv6 static routes ` +
    `from one BIRD over eBGP on loopback, to the appliance (speaker + Adj-RIB-In, own process) and to a second ` +
    `BIRD (import all into its own tables), one after the other; BIRD polled every ${r.settings.pollMs} ms`
  );
}

function details(r: BgpReport): string[] {
  const line = (name: string, x: ReceiverResult) =>
    `${name}: ${Object.entries(x.detail)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`;
  return [line('Ferry', r.ferry), line('BIRD', r.bird)];
}

const LEGEND =
  'ratio = Ferry ÷ BIRD (below 1.00x: Ferry faster or smaller; for routes per second, above is better). ' +
  'The source BIRD starts sending up to ~3 s after Established (its I/O loop wakes on a 3 s poll timeout), the same for both ' +
  'receivers and in the middle of the table too, so elapsed times mostly measure the sender; ' +
  "receiver CPU time is the measure of each receiver's own work.";

export function renderReportText(r: BgpReport): string {
  return [
    `ferry bench bgp — ${r.date}`,
    ...describeMachine(r.machine),
    settingsLine(r),
    '',
    renderText(summaryTable(r)),
    '',
    LEGEND,
    ...details(r),
    ...r.notes,
  ].join('\n');
}

export function renderReportMarkdown(r: BgpReport): string {
  const m = r.machine;
  return `${[
    `# BGP full table: Ferry appliance vs BIRD — ${r.date}`,
    '',
    ...machineMarkdown(m),
    '',
    settingsLine(r),
    '',
    renderMarkdown(summaryTable(r)),
    '',
    LEGEND,
    '',
    ...details(r).map((d) => `- ${d}`),
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n')}\n`;
}
