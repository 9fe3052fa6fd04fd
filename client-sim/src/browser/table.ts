// The summary `ferry sim --players browser` prints: one line per player, in the words the
// players themselves use.
import { formatBps, formatBytes } from '../report/units.js';
import type { BrowserSessionQoe } from './to-qoe.js';

const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)} ms`);
const mbps = formatBps;

export function renderBrowserTable(sessions: readonly BrowserSessionQoe[]): string {
  const head = [
    'session',
    'library',
    'startup',
    'stalls',
    'stalled',
    'avg bitrate',
    'switches',
    'failed',
    'fatal',
    'appliances',
  ];
  const rows = sessions.map(({ qoe, raw }) => [
    qoe.id,
    raw.library ?? raw.player,
    ms(qoe.startupMs),
    String(qoe.stallCount),
    ms(qoe.stallMs),
    mbps(qoe.avgBitrate),
    String(qoe.switches),
    String(qoe.failedFetches),
    String(qoe.errors.length),
    Object.entries(qoe.bytesByAppliance)
      .sort((a, b) => b[1] - a[1])
      .map(([id, bytes]) => `${id} ${formatBytes(bytes)}`)
      .join(', ') || '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(head) + rows.map(line).join('');
}
