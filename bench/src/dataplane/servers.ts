// Starting the servers under test: nginx (the anchor), a bare node:http server (Node's
// floor, bare-node-server.ts) and the Ferry appliance, each on its own loopback port, each
// waited for with a bounded readiness poll.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Child, ProcessGroup, SelfSignedCert } from '@ferry/harness';
import { httpOk, waitUntil } from '@ferry/harness';
import { fetchRange } from './check-bodies.js';
import { nginxConfig } from './nginx-config.js';

export const NGINX_BIN = '/usr/sbin/nginx';
const READY_TIMEOUT_MS = 20_000;

export interface Server {
  readonly name: string;
  readonly baseUrl: string;
  /** the appliance's admin listener (metrics); absent for nginx */
  readonly adminUrl?: string;
  readonly child: Child;
  /** set for the HTTPS rows: the certificate the body checks trust */
  readonly ca?: Buffer;
}

export async function startNginx(input: {
  group: ProcessGroup;
  dir: string;
  port: number;
  root: string;
  workers: number;
  probePath: string;
  /** `listen … ssl` with this certificate: the anchor of the HTTPS rows */
  tls?: SelfSignedCert;
  name?: string;
}): Promise<Server> {
  await mkdir(input.dir, { recursive: true });
  const conf = join(input.dir, 'nginx.conf');
  const runAsRoot = process.getuid?.() === 0;
  await writeFile(conf, nginxConfig({ ...input, runAsRoot }));
  // -e keeps nginx from opening the packaged /var/log/nginx/error.log before it reads the config.
  const name = input.name ?? 'nginx';
  const child = input.group.start({
    name,
    command: NGINX_BIN,
    args: ['-p', `${input.dir}/`, '-c', conf, '-e', join(input.dir, 'error.log')],
  });
  const tls = input.tls;
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${input.port}`;
  const ready = tls
    ? async () =>
        (await fetchRange(baseUrl, { path: input.probePath, range: 'bytes=0-0' }, tls.cert)).status === 206
    : () => httpOk(`${baseUrl}${input.probePath}`, { method: 'HEAD' });
  await waitUntil(ready, { what: name, timeoutMs: READY_TIMEOUT_MS, child });
  return { name, baseUrl, child, ...(tls ? { ca: tls.cert } : {}) };
}

const BARE_NODE_SERVER = fileURLToPath(new URL('./bare-node-server.ts', import.meta.url));

/** The bare node:http server, with as many processes as the others (node:cluster). */
export async function startNodeHttp(input: {
  group: ProcessGroup;
  cwd: string;
  port: number;
  root: string;
  workers: number;
}): Promise<Server> {
  const name = 'node-http';
  const child = input.group.start({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', BARE_NODE_SERVER, String(input.port), input.root, String(input.workers)],
    cwd: input.cwd,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const baseUrl = `http://127.0.0.1:${input.port}`;
  await waitUntil(() => httpOk(`${baseUrl}/healthz`), { what: name, timeoutMs: READY_TIMEOUT_MS, child });
  return { name, baseUrl, child };
}

export type BodySender = 'sendfile' | 'copy';

export async function startAppliance(input: {
  group: ProcessGroup;
  ferryBin: string;
  cwd: string;
  port: number;
  /** the admin listener's port (metrics live there, off the viewers' port) */
  adminPort: number;
  store: string;
  bodySender: BodySender;
  workers: number;
  /** HTTPS on the viewers' port (--tls-cert/--tls-key): bodies take the copy path */
  tls?: SelfSignedCert;
  name?: string;
}): Promise<Server> {
  const tls = input.tls;
  const name = input.name ?? `ferry-${input.bodySender}`;
  const child = input.group.start({
    name,
    command: process.execPath,
    args: [
      input.ferryBin,
      'appliance',
      '--id',
      'bench',
      '--listen',
      `127.0.0.1:${input.port}`,
      '--admin-listen',
      `127.0.0.1:${input.adminPort}`,
      '--store',
      input.store,
      '--open',
      '--access-log',
      'off',
      '--log-level',
      'warn',
      '--body-sender',
      input.bodySender,
      '--workers',
      String(input.workers),
      ...(tls ? ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] : []),
    ],
    cwd: input.cwd,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${input.port}`;
  const adminUrl = `http://127.0.0.1:${input.adminPort}`;
  // The admin listener stays plain HTTP; it is up once the viewers' port is.
  await waitUntil(() => httpOk(`${tls ? adminUrl : baseUrl}/healthz`), {
    what: name,
    timeoutMs: READY_TIMEOUT_MS,
    child,
  });
  return { name, baseUrl, adminUrl, child, ...(tls ? { ca: tls.cert } : {}) };
}

/** The appliance's event-loop delay p99 in ms; the gauge covers the time since the last scrape. */
export async function scrapeEventLoopP99Ms(adminUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return null;
    return parseGauge(await res.text(), 'ferry_event_loop_delay_p99_seconds', 1000);
  } catch {
    return null;
  }
}

/** The value of an unlabelled gauge in Prometheus text, times `scale`; null when absent. */
export function parseGauge(text: string, name: string, scale = 1): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/);
    if (m && m[1] === name) {
      const v = Number(m[2]);
      return Number.isFinite(v) ? v * scale : null;
    }
  }
  return null;
}
