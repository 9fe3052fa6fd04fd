// A small Open Connect deployment on one machine, from real processes: `ferry control` on
// SQLite, appliances on their own 127.0.0.x addresses in two sites, and one `ferry announce`
// BGP feed per appliance giving its site's client prefix. Used by `ferry demo`. Every
// process is started here and stopped here, by pid. The topology makes its own credentials,
// as an operator would: an admin operator token for control (`--operator-tokens`), and
// per appliance an identity key, enrolled at control for its site and address before the
// appliance starts (`--identity-key`). With `chaos`, control gets a chaos key and every
// appliance runs chaos on with its public half; the topology then acts as a supervisor
// would, restarting an appliance that chaos killed (exit code 86) after `restartKilledAfterMs`.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHAOS_KILL_EXIT_CODE,
  ControlClient,
  formatKeyFile,
  generateKey,
  generateSigningKeyPair,
} from '@ferry/protocol';
import { freePort } from './ports.js';

// The `ferry` command itself (the root package's bin): the topology runs what a user runs.
export const FERRY_BIN = fileURLToPath(new URL('../../cli/bin/ferry.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface ApplianceSpec {
  id: string;
  site: string;
  /** loopback address of its own (HTTP and BGP) */
  address: string;
  /** the client prefix its site's router announces to it */
  prefix: string;
  store: string;
}

export interface TopologyOptions {
  /** control signs chaos orders and appliances run them (`--chaos on`) */
  chaos?: boolean;
  /** with chaos: restart an appliance this long after a chaos kill (default 5000 ms) */
  restartKilledAfterMs?: number;
  /** more flags for `ferry control` (e.g. chaos safety limits) */
  controlArgs?: readonly string[];
  /** more flags for every `ferry appliance` (e.g. fill from an origin) */
  applianceArgs?: readonly string[];
  /** environment added for every process (e.g. the origin's credentials) */
  env?: Readonly<Record<string, string>>;
}

/** One exit of an appliance process: when, and whether chaos did it. */
export interface ApplianceExit {
  id: string;
  atMs: number;
  code: number | null;
  signal: string | null;
  byChaos: boolean;
}

export interface Running {
  name: string;
  child: ChildProcess;
  url?: string;
  /** stderr up to the readiness line (an appliance names its admin listener there too) */
  banner?: string;
}

export class Topology {
  readonly procs: Running[] = [];
  controlUrl = '';
  readonly applianceUrls = new Map<string, string>();
  /** each appliance's admin listener (drain, status, metrics), off the viewers' port */
  readonly applianceAdminUrls = new Map<string, string>();
  /** the admin token this topology created for its control */
  operatorToken = '';
  /** with chaos: control's chaos public key, as the appliances verify orders with it */
  chaosPublicKey = '';
  /** every appliance exit seen, in order (kills from outside and chaos kills alike) */
  readonly exits: ApplianceExit[] = [];
  private readonly applianceArgs = new Map<string, string[]>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly adopted: (() => Promise<void>)[] = [];

  constructor(
    private readonly dir: string,
    private readonly opts: TopologyOptions = {},
  ) {}

  private start(name: string, args: string[], ready?: RegExp): Promise<Running> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FERRY_BIN, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...this.opts.env },
      });
      const proc: Running = { name, child };
      this.procs.push(proc);
      let err = '';
      if (!ready) {
        child.stderr?.resume();
        resolve(proc);
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start: ${err.slice(-1000)}`)),
        READY_TIMEOUT_MS,
      );
      child.stderr?.on('data', (c: Buffer) => {
        if (proc.url) return;
        err += c.toString();
        const m = ready.exec(err);
        if (m) {
          clearTimeout(timer);
          proc.url = m[1];
          proc.banner = err;
          resolve(proc);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!proc.url) reject(new Error(`${name} exited (${code ?? signal}): ${err.slice(-1000)}`));
      });
    });
  }

  /** A client of this topology's control, with its operator token. */
  client(timeoutMs?: number): ControlClient {
    return new ControlClient({
      baseUrl: this.controlUrl,
      token: this.operatorToken,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  async startControl(keyFile: string): Promise<void> {
    // Loaded here only: the harness's other users (tests, waits) need nothing of control.
    const { createTokenInFile } = await import('@ferry/control');
    const tokens = join(this.dir, 'operator-tokens');
    // A fresh file per run: tokens of earlier runs in the same directory stop working.
    rmSync(tokens, { force: true });
    this.operatorToken = await createTokenInFile(tokens, 'admin', 'harness');
    const chaos: string[] = [];
    if (this.opts.chaos) {
      const pair = generateSigningKeyPair();
      const chaosKey = join(this.dir, 'chaos-key');
      writeFileSync(chaosKey, pair.privateKeyPem, { mode: 0o600 });
      this.chaosPublicKey = pair.publicKey;
      chaos.push('--chaos-key', chaosKey);
    }
    const c = await this.start(
      'control',
      [
        'control',
        '--listen',
        '127.0.0.1:0',
        '--db',
        join(this.dir, 'control.db'),
        '--token-key-file',
        keyFile,
        '--operator-tokens',
        tokens,
        ...chaos,
        ...(this.opts.controlArgs ?? []),
        '--log-level',
        'warn',
      ],
      /serving on (http:\/\/\S+)/,
    );
    this.controlUrl = c.url!;
  }

  /**
   * The appliance's identity key (kept across runs in the same directory) enrolled for its
   * site, with its own address as the only host its heartbeat url may name.
   */
  private async enroll(spec: ApplianceSpec): Promise<string> {
    const { createIdentityKey, loadIdentityKey } = await import('@ferry/appliance');
    const file = join(this.dir, `identity-${spec.id}`);
    const publicKey = existsSync(file)
      ? (await loadIdentityKey(file)).publicKey
      : await createIdentityKey(file);
    const client = this.client();
    const enrollment = { id: spec.id, site: spec.site, publicKey, urlHosts: [spec.address] };
    try {
      await client.enrollAppliance(enrollment);
    } catch (err) {
      // A state file of an earlier run may hold this id with another key: the topology owns it.
      if ((err as { errorCode?: string }).errorCode !== 'FERRY_ERR_APPLIANCE_EXISTS') throw err;
      await client.removeAppliance(spec.id);
      await client.enrollAppliance(enrollment);
    }
    return file;
  }

  async startAppliance(spec: ApplianceSpec, keyFile: string): Promise<void> {
    const identityKey = await this.enroll(spec);
    const bgpPort = await freePort(spec.address);
    const feedAddress = spec.address.replace(/\.(\d+)$/, (_m, last: string) => `.${Number(last) + 100}`);
    const args = [
      'appliance',
      '--id',
      spec.id,
      '--site',
      spec.site,
      '--listen',
      `${spec.address}:0`,
      '--store',
      spec.store,
      '--control',
      this.controlUrl,
      '--identity-key',
      identityKey,
      '--token-key-file',
      keyFile,
      '--access-log',
      'off',
      '--log-level',
      'warn',
      '--bgp-listen',
      `${spec.address}:${bgpPort}`,
      '--asn',
      '64512',
      '--peer-asn',
      '64513',
      '--bgp-peer',
      feedAddress,
      ...(this.opts.chaos ? ['--chaos', 'on', '--chaos-verify-key', this.chaosPublicKey] : []),
      ...(this.opts.applianceArgs ?? []),
    ];
    this.applianceArgs.set(spec.id, args);
    await this.runAppliance(spec.id);
    const prefixes = join(this.dir, `prefixes-${spec.id}.txt`);
    writeFileSync(prefixes, `# ${spec.site}: clients of ${spec.id}\n${spec.prefix}\n`);
    await this.start(`bgp-feed-${spec.id}`, [
      'announce',
      '--connect',
      `${spec.address}:${bgpPort}`,
      '--local-address',
      feedAddress,
      '--asn',
      '64513',
      '--peer-asn',
      '64512',
      '--prefixes',
      prefixes,
      '--log-level',
      'warn',
    ]);
  }

  /** Starts (or restarts) an appliance process and follows its exit. */
  private async runAppliance(id: string): Promise<void> {
    const a = await this.start(id, this.applianceArgs.get(id)!, /serving on (http:\/\/\S+)/);
    this.applianceUrls.set(id, a.url!);
    const admin = /admin on (http:\/\/\S+)/.exec(a.banner ?? '');
    if (admin) this.applianceAdminUrls.set(id, admin[1]!);
    a.child.once('exit', (code, signal) => {
      const byChaos = code === CHAOS_KILL_EXIT_CODE;
      this.exits.push({ id, atMs: Date.now(), code, signal, byChaos });
      if (!byChaos || this.stopping || !this.opts.chaos) return;
      // As systemd's RestartForceExitStatus=86 would: the same command line, a new boot.
      const timer = setTimeout(() => {
        this.restarts.delete(timer);
        if (!this.stopping) void this.runAppliance(id).catch(() => undefined);
      }, this.opts.restartKilledAfterMs ?? 5000);
      this.restarts.add(timer);
    });
  }

  async loadCatalog(catalogPath: string): Promise<void> {
    // The client's error names the status and control's { error, message }.
    await this.client().postCatalog(readFileSync(catalogPath, 'utf8'));
  }

  /** kill -9, as a crash would. */
  kill(name: string): void {
    // The live one: a restarted appliance leaves its earlier process in the list.
    const p = this.procs.find(
      (x) => x.name === name && x.child.exitCode === null && x.child.signalCode === null,
    );
    if (p?.child.pid) process.kill(p.child.pid, 'SIGKILL');
  }

  /** Something started beside the processes (an origin server) that stop() ends after them. */
  adopt(stop: () => Promise<void>): void {
    this.adopted.push(stop);
  }

  /** SIGTERM everything still running (feeds first), then SIGKILL what has not exited in 5 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.restarts) clearTimeout(t);
    this.restarts.clear();
    const alive = this.procs
      .filter((p) => p.child.exitCode === null && p.child.signalCode === null)
      .reverse();
    const exits = alive.map((p) => new Promise<void>((r) => p.child.once('exit', () => r())));
    for (const p of alive) if (p.child.pid) process.kill(p.child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const p of alive)
        if (p.child.exitCode === null && p.child.pid) process.kill(p.child.pid, 'SIGKILL');
    }, 5000);
    await Promise.all(exits);
    clearTimeout(timer);
    for (const stop of this.adopted.splice(0).reverse()) await stop();
  }
}

export function writeDemoKeys(dir: string): string {
  const file = join(dir, 'keys');
  writeFileSync(file, formatKeyFile([generateKey('demo')]), { mode: 0o600 });
  return file;
}
