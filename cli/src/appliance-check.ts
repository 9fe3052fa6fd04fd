// `ferry appliance check`: the appliance's turn-up checks (docs/install.md "Turn-up"), run now through its
// admin listener (GET /v1/turnup?run=1), one line per check with what to do about a failure.
// Exit 0 when every check passes, 1 when one fails, 2 when the appliance cannot be asked.
import { request } from 'node:http';
import type { TurnupReport } from '@ferry/protocol';
import type { Command } from 'commander';
import { type HostPort, parseHostPort } from './parse.js';

/** A run fetches a range and probes every disk: seconds at most; more means something hangs. */
const TIMEOUT_MS = 20_000;

export interface CheckOptions {
  admin?: HostPort;
  json?: boolean;
}

/** Adds `check` under `ferry appliance` (registered after it in main.ts). */
export function registerApplianceCheck(program: Command): void {
  const appliance = program.commands.find((c) => c.name() === 'appliance');
  if (!appliance) throw new Error('registerApplianceCheck: register `ferry appliance` first');
  appliance
    .command('check')
    .description(
      "run an appliance's turn-up checks now: disks, store index, keys, control, BGP, a test range",
    )
    .option(
      '--admin <host:port>',
      "the appliance's admin listener (its --admin-listen; default 127.0.0.1:9081)",
      parseHostPort,
    )
    .option('--json', 'print the report as JSON (with a fix for each failed check)')
    .action(async (opts: CheckOptions) => {
      process.exitCode = await runApplianceCheck(opts, (line) => process.stdout.write(`${line}\n`));
    });
  // `ferry appliance` itself needs --id and --store to serve; its check asks nothing of them.
  appliance.hook('preSubcommand', (cmd, sub) => {
    if (sub.name() !== 'check') return;
    for (const o of cmd.options) {
      if (o.mandatory && cmd.getOptionValue(o.attributeName()) === undefined) {
        cmd.setOptionValueWithSource(o.attributeName(), '', 'default');
      }
    }
  });
}

export async function runApplianceCheck(opts: CheckOptions, out: (line: string) => void): Promise<number> {
  const { DEFAULT_ADMIN_PORT, TURNUP_FIXES } = await import('@ferry/appliance');
  const admin = opts.admin ?? { host: '127.0.0.1', port: DEFAULT_ADMIN_PORT };
  const host = admin.host.includes(':') ? `[${admin.host}]` : admin.host;
  const url = `http://${host}:${admin.port}/v1/turnup?run=1`;
  let report: TurnupReport;
  try {
    const res = await getText(url);
    if (res.status !== 200) {
      process.stderr.write(`ferry: ${url} answered HTTP ${res.status}: ${res.text.slice(0, 200)}\n`);
      return 2;
    }
    report = JSON.parse(res.text) as TurnupReport;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(
      `ferry: cannot reach the appliance's admin listener at ${url}: ${e.code ?? e.message}\n`,
    );
    return 2;
  }
  const failed = report.checks.filter((c) => !c.ok);
  if (opts.json) {
    const fixes = Object.fromEntries(failed.map((c) => [c.name, TURNUP_FIXES[c.name] ?? '']));
    out(JSON.stringify({ ...report, fixes }, null, 2));
    return report.passed ? 0 : 1;
  }
  const width = Math.max(...report.checks.map((c) => c.name.length), 4);
  for (const c of report.checks) {
    out(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}`);
    const fix = TURNUP_FIXES[c.name];
    if (!c.ok && fix) out(`  ${' '.repeat(width)}  fix: ${fix}`);
  }
  const passed = report.checks.length - failed.length;
  const when = new Date(report.checkedMs).toISOString().replace(/\.\d+Z$/, 'Z');
  out(
    report.passed
      ? `turn-up: all ${report.checks.length} checks pass (${when}); control may steer viewers here`
      : `turn-up: ${passed} of ${report.checks.length} checks pass (${when}); control does not steer viewers here until all do`,
  );
  return report.passed ? 0 : 1;
}

/** GET with a deadline (node:http: fetch refuses ports such as 1 or 6000 outright). */
function getText(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
