// A BIRD 2 router for interop tests and the BGP bench: writes a config into a temp dir
// (static IPv4/IPv6 routes with communities, one BGP session towards the appliance), starts
// `bird -f` with its own control socket, and drives it through `birdc -s`. The process is
// stopped by its pid, never by name, and the temp dir is removed on stop().
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIRD_BIN = '/usr/sbin/bird';
export const BIRDC_BIN = '/usr/sbin/birdc';

/** A static route BIRD originates: `10.0.0.0/24`, optionally tagged. */
export interface BirdRoute {
  prefix: string;
  communities?: [number, number][];
  largeCommunities?: [number, number, number][];
}

export interface BirdSession {
  /** BIRD's side: also its router id when IPv4 */
  localAddress: string;
  localPort: number;
  localAs: number;
  /** the appliance's side */
  neighborAddress: string;
  neighborPort: number;
  neighborAs: number;
  /** BIRD waits for the appliance to connect (`passive on`) */
  passive?: boolean;
  /** the session starts disabled (`birdc enable NAME` starts it) */
  disabled?: boolean;
  /** more lines inside the bgp protocol block (`graceful restart on;`, `password "…";`) */
  options?: string[];
}

export interface BirdConfigOptions extends BirdSession {
  routerId?: string;
  routes4?: Iterable<BirdRoute | string>;
  routes6?: Iterable<BirdRoute | string>;
  /** IPv6 next hop BIRD announces over an IPv4 session (it has no IPv6 address of its own there) */
  ipv6NextHop?: string;
  /** protocol name of the session in birdc commands */
  protocol?: string;
  logFile?: string;
  /** config placed before the protocols (tables) */
  preamble?: string;
  /** channel settings of the session (default: import none, export all) */
  channels?: { ipv4: string; ipv6: string };
  /** more config appended as is (a second session) */
  extra?: string;
}

export const DEFAULT_PROTOCOL = 'ferry';

function routeLine(r: BirdRoute | string): string {
  if (typeof r === 'string') return `  route ${r} blackhole;\n`;
  const sets: string[] = [];
  for (const [a, b] of r.communities ?? []) sets.push(`bgp_community.add((${a},${b}));`);
  for (const [a, b, c] of r.largeCommunities ?? []) sets.push(`bgp_large_community.add((${a},${b},${c}));`);
  return sets.length
    ? `  route ${r.prefix} blackhole { ${sets.join(' ')} };\n`
    : `  route ${r.prefix} blackhole;\n`;
}

function staticProtocol(name: string, family: 'ipv4' | 'ipv6', routes: Iterable<BirdRoute | string>): string {
  const parts = [`protocol static ${name} {\n  ${family} { import all; };\n`];
  for (const r of routes) parts.push(routeLine(r));
  parts.push('}\n');
  return parts.join('');
}

/** The BGP session block; also used by the bench for a BIRD that imports into its own tables. */
export function bgpProtocol(name: string, s: BirdSession, channels: { ipv4: string; ipv6: string }): string {
  return [
    `protocol bgp ${name} {`,
    `  local ${s.localAddress} port ${s.localPort} as ${s.localAs};`,
    `  neighbor ${s.neighborAddress} port ${s.neighborPort} as ${s.neighborAs};`,
    // Loopback peers are not on a shared subnet, so BIRD must not insist on a direct link.
    '  multihop;',
    s.passive ? '  passive on;' : '',
    s.disabled ? '  disabled;' : '',
    // Defaults (5 s first connect, 120 s retry, 60 s after an error) would outlast a test.
    '  connect delay time 1;',
    '  connect retry time 1;',
    '  error wait time 1, 2;',
    // State changes and their causes in BIRD's log: what a failing test prints (no per-route lines).
    '  debug { states, events };',
    ...(s.options ?? []).map((l) => `  ${l}`),
    `  ipv4 { ${channels.ipv4} };`,
    `  ipv6 { ${channels.ipv6} };`,
    '}',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export function birdConfig(o: BirdConfigOptions): string {
  const nh6 = o.ipv6NextHop ?? '2001:db8::1';
  return [
    o.logFile ? `log "${o.logFile}" all;\n` : '',
    `router id ${o.routerId ?? o.localAddress};\n`,
    o.preamble ?? '',
    'protocol device { }\n',
    staticProtocol('static4', 'ipv4', o.routes4 ?? []),
    staticProtocol('static6', 'ipv6', o.routes6 ?? []),
    bgpProtocol(
      o.protocol ?? DEFAULT_PROTOCOL,
      o,
      o.channels ?? {
        ipv4: 'import none; export all;',
        ipv6: `import none; export all; next hop address ${nh6};`,
      },
    ),
    '\n',
    o.extra ?? '',
  ].join('');
}

export function birdc(socket: string, args: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(BIRDC_BIN, ['-s', socket, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`birdc ${args.join(' ')}: ${err.message} ${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

export interface BirdStartOptions extends BirdConfigOptions {
  /** how long to wait for the control socket to answer (a 1M-route config takes seconds to read) */
  readyTimeoutMs?: number;
}

export class Bird {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';
  // A test runner that exits without stop() (timeout, crash) must not leave bird running.
  private readonly killOnExit = () => {
    if (this.child?.pid && this.child.exitCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  private constructor(
    readonly dir: string,
    private options: BirdStartOptions,
  ) {}

  get configFile(): string {
    return join(this.dir, 'bird.conf');
  }
  get socket(): string {
    return join(this.dir, 'bird.ctl');
  }
  get pidFile(): string {
    return join(this.dir, 'bird.pid');
  }
  get logFile(): string {
    return join(this.dir, 'bird.log');
  }
  get protocol(): string {
    return this.options.protocol ?? DEFAULT_PROTOCOL;
  }
  /** pid of the running bird, or null */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  static async start(options: BirdStartOptions): Promise<Bird> {
    if (!existsSync(BIRD_BIN)) throw new Error(`${BIRD_BIN} not found; run scripts/install-system-deps.sh`);
    const dir = await mkdtemp(join(tmpdir(), 'ferry-bird-'));
    const bird = new Bird(dir, options);
    try {
      await bird.writeConfig();
      await bird.launch();
    } catch (err) {
      await bird.stop();
      throw err;
    }
    return bird;
  }

  async birdc(...args: string[]): Promise<string> {
    return birdc(this.socket, args);
  }

  /** `Established`, `Active`, `Passive`, `Idle`… from the Info column of `show protocols`. */
  async sessionInfo(protocol = this.protocol): Promise<string> {
    const out = await this.birdc('show', 'protocols', protocol);
    const line = out.split('\n').find((l) => l.startsWith(`${protocol} `));
    if (!line) return '';
    const cols = line.trim().split(/\s+/);
    return cols.slice(5).join(' ') || cols[3] || '';
  }

  async disable(protocol = this.protocol): Promise<string> {
    return this.birdc('disable', protocol);
  }

  async enable(protocol = this.protocol): Promise<string> {
    return this.birdc('enable', protocol);
  }

  /** Rewrites the static routes and makes BIRD reload its config: dropped routes are withdrawn. */
  async setRoutes(routes: {
    routes4?: Iterable<BirdRoute | string>;
    routes6?: Iterable<BirdRoute | string>;
  }): Promise<void> {
    this.options = { ...this.options, ...routes };
    await this.writeConfig();
    const out = await this.birdc('configure');
    if (!/Reconfigur/i.test(out)) throw new Error(`bird configure: ${out.trim()}`);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Kills bird by its pid with SIGKILL (no Cease reaches the peer: its TCP connection just ends). */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGKILL');
    await this.exited;
    process.off('exit', this.killOnExit);
    this.child = null;
  }

  /**
   * Starts bird again after crash() or stop of the process, with new routes if given;
   * `recovery` is `bird -R`, graceful restart recovery (its OPEN sets the R and F bits).
   */
  async relaunch(
    o: {
      routes4?: Iterable<BirdRoute | string>;
      routes6?: Iterable<BirdRoute | string>;
      recovery?: boolean;
    } = {},
  ): Promise<void> {
    await this.kill();
    const { recovery, ...routes } = o;
    this.options = { ...this.options, ...routes };
    await this.writeConfig();
    await this.launch(recovery ? ['-R'] : []);
  }

  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  /** Stops bird by its pid (SIGTERM, SIGKILL after 5 s) and removes the temp dir. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeConfig(): Promise<void> {
    await writeFile(this.configFile, birdConfig({ ...this.options, logFile: this.logFile }));
  }

  private async launch(extraArgs: string[] = []): Promise<void> {
    const args = ['-f', ...extraArgs, '-c', this.configFile, '-s', this.socket, '-P', this.pidFile];
    const child = spawn(BIRD_BIN, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    process.once('exit', this.killOnExit);
    this.stderrTail = '';
    child.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void this.exited.then(() => {
      gone = true;
    });
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 10_000);
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      if (gone) throw new Error(`bird exited before it was ready: ${this.stderrTail.trim()}`);
      try {
        if ((await this.birdc('show', 'status')).includes('Daemon is up and running')) return;
      } catch {
        // the socket is not there yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `bird not ready after ${this.options.readyTimeoutMs ?? 10_000} ms: ${this.stderrTail.trim()}`,
    );
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid!;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // exited between the check and the signal
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await this.exited;
    clearTimeout(timer);
    process.off('exit', this.killOnExit);
    this.child = null;
  }
}
