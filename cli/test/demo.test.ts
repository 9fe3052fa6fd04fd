// `ferry demo` end to end, shortened: real control, four appliances, BGP feeds and a few
// viewers; control runs the game day (latency, throttle, BGP flap, kill), the killed appliance
// is restarted, viewers fail over and every session finishes; the report carries the
// experiments; no process is left behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../bin/ferry.js');

/** A process by pid and start time, so a recycled pid is not mistaken for ours. */
type Proc = string;

function procKey(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the command name start after the last ')'.
    return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return null;
  }
}

function descendants(pid: number): Proc[] {
  // Children by parent pid from /proc, so the check needs no tool and names nothing.
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const key = procKey(entry);
      if (ppid === pid && key) out.push(key, ...descendants(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** What the dashboard's snapshot and steering ring say, read with the printed URL's token. */
async function readDashboard(base: string, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const snap = (await (await fetch(`${base}/ui/api/snapshot`, { headers })).json()) as {
    appliances: unknown[];
  };
  const ring = (await (await fetch(`${base}/ui/api/steering`, { headers })).json()) as {
    totals: Record<string, number>;
  };
  return {
    appliances: snap.appliances.length,
    decisions: Object.values(ring.totals).reduce((a, b) => a + b, 0),
  };
}

describe('ferry demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-demo-test-'));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    // A demo still running (the test timed out) is told to stop, so it stops what it started.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('plays, fails over after the kill, reports, and stops everything', async () => {
    const proc = spawn(process.execPath, [CLI, 'demo', '--dir', dir, '--duration', '24', '--sessions', '6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let seen: Proc[] = [];
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr!.resume();
    // While viewers play, the demo's own processes are running under it, and the dashboard
    // printed first shows them live.
    let dashboard: { appliances: number; decisions: number } | undefined;
    const sample = setInterval(() => {
      if (!out.includes('playing 6 viewers')) return;
      seen = [...new Set([...seen, ...descendants(proc.pid!)])];
      const m = /dashboard: (http:\/\/\S+)\/ui\/#token=(\S+)/.exec(out);
      if (m && !dashboard?.decisions)
        void readDashboard(m[1]!, m[2]!).then(
          (d) => (dashboard = d),
          () => undefined,
        );
    }, 1000);
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    clearInterval(sample);
    expect(code, out).toBe(0);
    expect(out.indexOf('dashboard: http://')).toBeLessThan(out.indexOf('appliance east-1'));
    expect(dashboard).toMatchObject({ appliances: 4 });
    expect(dashboard!.decisions).toBeGreaterThan(0);
    for (const kind of ['latency', 'throttle', 'bgp-flap', 'kill'])
      expect(out, out).toMatch(new RegExp(`chaos: ${kind} on east-\\d for \\d+ s \\(\\S+, running\\)`));
    expect(out).toMatch(/east-\d exited \(killed by chaos, restarted\)/);
    // The stores started empty and filled from the S3 origin through control's manifests.
    expect(out).toMatch(/origin: S3 \(s3rver\) on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/filled in \d+\.\d s/);
    expect(out).toMatch(/viewers\s+6 \(6 started playing\)/);
    expect(Number(/failovers\s+(\d+)/.exec(out)?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(/errors\s+none/);
    expect(out).toContain('all demo processes stopped');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      summary: { sessions: number };
      experiments: { experiment: { kind: string }; analysis?: { affected: number } }[];
    };
    expect(report.summary.sessions).toBe(6);
    // Every experiment ran and was analysed; the kill touched the viewers of its target.
    expect(report.experiments.map((e) => e.experiment.kind).sort()).toEqual([
      'bgp-flap',
      'kill',
      'latency',
      'throttle',
    ]);
    expect(report.experiments.every((e) => e.analysis !== undefined)).toBe(true);
    expect(report.experiments.find((e) => e.experiment.kind === 'kill')!.analysis!.affected).toBeGreaterThan(
      0,
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('kill');
    // The report says how the run was set up, on what, and how loaded the simulator was;
    // the printed summary gives bytes in SI units and the simulator's own load.
    const { run } = report as unknown as {
      run: { command: string; sessions: number; durationSec: number; machine: { cores: number } };
    };
    expect(run).toMatchObject({ command: 'ferry demo', sessions: 6, durationSec: 24 });
    expect(run.machine.cores).toBeGreaterThan(0);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page).toContain('<table class="run-settings">');
    expect(page).toMatch(/<table class="self-load">.*event-loop delay/s);
    expect(page).toMatch(/<text class="tick time-tick"[^>]*>0:10<\/text>/);
    expect(out).toMatch(/bytes from east-\d\s+\d+(\.\d+)? (kB|MB|GB)\n/);
    expect(out).toMatch(/simulator load\s+CPU \d+ % of a core, event-loop delay p99 [\d.]+ ms/);
    // control, four appliances (one of them twice) and four feeds at least
    expect(seen.length).toBeGreaterThanOrEqual(9);
    // Helpers of the demo's processes (esbuild's service under tsx) leave when their parent
    // has gone; give them a moment, bounded.
    let alive = seen;
    for (let i = 0; i < 50 && alive.length > 0; i++) {
      alive = seen.filter((key) => procKey(Number(key.split(':')[0])) === key);
      if (alive.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toEqual([]);
  }, 300_000);
});
