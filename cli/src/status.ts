// `ferry status`: the fleet as control sees it (GET /v1/appliances), one row per appliance,
// sorted by site then id, sized to the terminal; --json prints control's answer as it came.
import type { ApplianceView } from '@ferry/protocol';
import type { Command } from 'commander';
import { withControl } from './parse.js';
import { type Column, renderTable } from './table.js';
import { formatAgo, formatBytes, megabits } from './units.js';
import { UsageError } from './usage.js';

export function registerStatus(program: Command): void {
  withControl(
    program
      .command('status')
      .description('the fleet from control: health and why, state, load, routes, files'),
    'operator token, role viewer or higher (default: $FERRY_TOKEN)',
  )
    .option('--json', "control's answer as JSON instead of the table", false)
    .action(async (opts: { control: string; token?: string; json: boolean }, cmd: Command) => {
      await runStatus(opts, cmd);
    });
}

async function runStatus(
  opts: { control: string; token?: string; json: boolean },
  cmd: Command,
): Promise<void> {
  try {
    new URL(opts.control);
  } catch {
    throw new UsageError(cmd, `--control must be a URL, got "${opts.control}"`);
  }
  const { ControlClient } = await import('@ferry/protocol');
  const token = opts.token ?? process.env['FERRY_TOKEN'];
  if (!token) {
    throw new UsageError(
      cmd,
      'an operator token (role viewer or higher) is required: --token TOKEN or FERRY_TOKEN',
    );
  }
  const client = new ControlClient({ baseUrl: opts.control, token });
  const fleet = await client.listFleet();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(fleet, null, 2)}\n`);
    return;
  }
  const width = process.stdout.isTTY ? process.stdout.columns : undefined;
  process.stdout.write(statusTable(fleet.appliances, Date.now(), width));
}

/** Disk bytes, when control's view carries them (older controls do not). */
type WithDisk = ApplianceView & { diskBytes?: number; disk?: { usedBytes?: number; bytes?: number } };

export function statusTable(appliances: ApplianceView[], nowMs: number, width?: number): string {
  const sorted = [...appliances].sort((a, b) => a.site.localeCompare(b.site) || a.id.localeCompare(b.id));
  const withAdmin = sorted.some((a) => a.admin !== undefined);
  const columns: Column[] = [
    { title: 'SITE' },
    { title: 'ID' },
    { title: 'HEALTH' },
    { title: 'WHY', shrink: true },
    { title: 'STATE' },
    ...(withAdmin ? [{ title: 'ADMIN', shrink: true }] : []),
    { title: 'LOAD Mb/s', right: true },
    { title: 'CONNS', right: true },
    { title: 'ROUTES', right: true },
    { title: 'FILES', right: true },
    { title: 'DISK', right: true },
    { title: 'VERSION' },
    { title: 'HEARTBEAT' },
  ];
  const rows = sorted.map((a) => [
    a.site,
    a.id,
    a.health,
    a.healthReason || '-',
    a.reportedState,
    ...(withAdmin ? [adminText(a)] : []),
    `${megabits(a.loadBps)}/${megabits(a.capacityBps)}`,
    String(a.connections),
    String(a.routes),
    String(a.files),
    diskText(a as WithDisk),
    a.version,
    formatAgo(a.lastHeartbeatMs, nowMs),
  ]);
  const counts = new Map<string, number>();
  for (const a of sorted) counts.set(a.health, (counts.get(a.health) ?? 0) + 1);
  const summary = [...counts].map(([h, n]) => `${n} ${h}`).join(', ');
  return `${renderTable(columns, rows, width)}${sorted.length} appliances${summary ? `: ${summary}` : ''}\n`;
}

function adminText(a: ApplianceView): string {
  const parts: string[] = [];
  if (a.admin?.drain) parts.push(`drain (${a.admin.drain.by})`);
  if (a.admin?.maintenance) {
    const m = a.admin.maintenance;
    parts.push(
      `maintenance ${new Date(m.startMs).toISOString().slice(0, 16)}–${new Date(m.endMs).toISOString().slice(11, 16)}Z`,
    );
  }
  return parts.length > 0 ? parts.join(', ') : '-';
}

function diskText(a: WithDisk): string {
  const bytes = a.diskBytes ?? a.disk?.usedBytes ?? a.disk?.bytes;
  return bytes === undefined ? '-' : formatBytes(bytes);
}
