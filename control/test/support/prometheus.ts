// A real Prometheus (Debian's /usr/bin/prometheus) on loopback for the observability tests,
// run on deploy/prometheus/prometheus.yml with only its targets and intervals replaced, so
// the test proves the shipped file. Stopped by pid; its TSDB directory removed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Child, freePort, ProcessGroup, waitUntil } from '@ferry/harness';

export const DEPLOY_PROMETHEUS = resolve(import.meta.dirname, '../../../deploy/prometheus');
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

/** Fails, rather than skips, when the Debian package is missing. */
export function requirePrometheus(): void {
  for (const bin of [PROMETHEUS, PROMTOOL]) {
    if (!existsSync(bin)) {
      throw new Error(
        `${bin} is missing: install the Debian package "prometheus" (scripts/install-system-deps.sh)`,
      );
    }
  }
}

export interface ToolRun {
  code: number;
  output: string;
}

/** promtool with `args`; its exit code and stdout+stderr. */
export function promtool(args: string[], cwd = DEPLOY_PROMETHEUS): Promise<ToolRun> {
  return new Promise((done) => {
    execFile(PROMTOOL, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** `text` with `from` replaced by `to`, which must occur exactly once (the file still has that shape). */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    throw new Error(`expected "${from}" exactly once: has the shipped file changed shape?`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export interface ApplianceTarget {
  address: string;
  appliance: string;
  site: string;
}

/** The shipped config with the test's control and appliances, scraping and evaluating every second. */
export async function testConfig(control: string): Promise<string> {
  let text = await readFile(join(DEPLOY_PROMETHEUS, 'prometheus.yml'), 'utf8');
  text = replaceOnce(text, 'scrape_interval: 15s', 'scrape_interval: 1s');
  text = replaceOnce(text, 'evaluation_interval: 15s', 'evaluation_interval: 1s');
  text = replaceOnce(text, '- 127.0.0.1:8000', `- ${control}`);
  text = replaceOnce(text, 'refresh_interval: 1m', 'refresh_interval: 1s');
  return text;
}

/** file_sd entries as appliances/example.yml.sample lays them out. */
export function fileSd(appliances: ApplianceTarget[]): string {
  return appliances
    .map(
      (a) =>
        `- targets:\n    - ${a.address}\n  labels:\n    appliance: ${a.appliance}\n    site: ${a.site}\n`,
    )
    .join('');
}

export class TestPrometheus {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly group: ProcessGroup,
    private readonly child: Child,
  ) {}

  /** Prometheus on 127.0.0.1 with the shipped rules and the test's targets; resolves once ready. */
  static async start(control: string, appliances: ApplianceTarget[]): Promise<TestPrometheus> {
    requirePrometheus();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-prometheus-'));
    await writeFile(join(dir, 'prometheus.yml'), await testConfig(control));
    await copyFile(join(DEPLOY_PROMETHEUS, 'alerts.yml'), join(dir, 'alerts.yml'));
    await mkdir(join(dir, 'appliances'));
    await writeFile(join(dir, 'appliances', 'test.yml'), fileSd(appliances));
    const port = await freePort();
    const group = new ProcessGroup();
    const child = group.start({
      name: 'prometheus',
      command: PROMETHEUS,
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      keepBytes: 64 * 1024,
    });
    const p = new TestPrometheus(`http://127.0.0.1:${port}`, dir, group, child);
    try {
      await waitUntil(
        async () => {
          if (child.exit) throw new Error(`prometheus exited: ${child.stderr().slice(-2000)}`);
          return (await fetch(`${p.url}/-/ready`).catch(() => undefined))?.ok === true;
        },
        { what: 'prometheus ready', timeoutMs: 30_000, intervalMs: 100 },
      );
    } catch (err) {
      await p.stop();
      throw err;
    }
    return p;
  }

  /** GET /api/v1/{path}; the `data` of a success, or throws with Prometheus's error. */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** An instant query's vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    return this.api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `query?query=${encodeURIComponent(expr)}`,
    ).then((d) => d.result);
  }

  stderr(): string {
    return this.child.stderr();
  }

  /** SIGTERM by pid (SIGKILL after 10 s), then the config and TSDB directory go. */
  async stop(): Promise<void> {
    await this.group.stop(this.child, 10_000);
    await rm(this.dir, { recursive: true, force: true });
  }
}
