// A real control app on loopback for the auth tests: SQLite in a temp dir, an operator
// token file with one token per role, fast probes; and stand-in appliances' /healthz that
// count every request, so a test can tell whether control ever probed an address.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type ControlConfig, DEFAULTS, validateConfig } from '../../src/config.js';
import { buildControlApp, type ControlApp, type ControlAppOptions } from '../../src/server/app.js';
import { openStore } from '../../src/state/open-store.js';
import type { StateStore } from '../../src/state/store.js';
import { TestFleet, type TestTokens, writeTestTokens } from './fleet-auth.js';

export interface TestControl {
  dir: string;
  control: ControlApp;
  store: StateStore;
  base: string;
  tokens: TestTokens;
  fleet: TestFleet;
  close(): Promise<void>;
}

/** Control over `store` on a loopback port, as every test here runs it. */
export interface ServedControl<S extends StateStore = StateStore> {
  store: S;
  control: ControlApp;
  base: string;
  /** Closes the app, then the store (the app leaves it open). */
  close(): Promise<void>;
}

/** What a test may hand the app beyond its config: URL keys, the chaos key, policy and clock. */
export type TestAppOptions = Pick<
  ControlAppOptions,
  'keys' | 'tokenPollMs' | 'chaosKey' | 'chaosPolicy' | 'chaosTiming'
>;

/**
 * Builds control over `store` and listens on 127.0.0.1: no fallback sites, loopback
 * trusted as a proxy (tests name the client with X-Forwarded-For), silent; `over` on top.
 */
export async function serveControl<S extends StateStore>(
  store: S,
  over: Partial<ControlConfig> = {},
  app: TestAppOptions = {},
): Promise<ServedControl<S>> {
  const config = validateConfig({
    ...DEFAULTS,
    listen: { host: '127.0.0.1', port: 0 },
    fallbackSites: [],
    trustedProxies: ['127.0.0.1/32'],
    logLevel: 'silent',
    ...over,
  });
  const control = await buildControlApp({ config, store, logger: pino({ level: 'silent' }), ...app });
  const base = await control.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    store,
    control,
    base,
    async close() {
      await control.close();
      await store.close();
    },
  };
}

export async function startTestControl(
  over: Partial<ControlConfig> & { tokens?: boolean } = {},
  app: TestAppOptions = {},
): Promise<TestControl> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-auth-'));
  const store = await openStore({ db: join(dir, 'control.db') });
  const tokens = await writeTestTokens(dir);
  const { tokens: withTokens = true, ...rest } = over;
  const served = await serveControl(
    store,
    {
      probeIntervalMs: 50,
      staleAfterMs: 600_000,
      ...(withTokens ? { operatorTokensFile: tokens.file } : {}),
      ...rest,
    },
    { tokenPollMs: 50, ...app },
  );
  const { control, base } = served;
  const fleet = new TestFleet(() => base, tokens);
  return {
    dir,
    control,
    store,
    base,
    tokens,
    fleet,
    async close() {
      await served.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CountingHealthz {
  url: string;
  /** requests received, of any path */
  hits: number;
  stop(): Promise<void>;
}

export async function startHealthz(host = '127.0.0.1'): Promise<CountingHealthz> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get hits() {
      return state.hits;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  json: any;
}

/** One request with exactly the headers given (no credentials added). */
export async function rawCall(
  base: string,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body,
  });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    return { status: res.status, json: text };
  }
}

/**
 * One request as a client in 10.0.1.1 sends it (X-Forwarded-For, no credentials), given up
 * after 3 s so a control stuck on its store fails the test instead of hanging it.
 */
export async function clientCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  /** an operator token, sent as `Authorization: Bearer` */
  token?: string,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'x-forwarded-for': '10.0.1.1',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text };
}

/** A one-title catalog whose single stream is file `t1-v1`. */
export const ONE_TITLE_CATALOG = {
  version: 1,
  generatedAt: '2026-11-22T00:00:00Z',
  seed: 'auth',
  titles: [
    {
      id: 't1',
      name: 'Title one',
      durationSec: 4,
      streams: [
        {
          streamId: 't1-v1',
          kind: 'video',
          bitrate: 1_000_000,
          size: 100,
          sha256: 'a'.repeat(64),
          segmentDurationSec: 4,
          segments: [{ index: 0, start: 0, length: 100, durationSec: 4 }],
        },
      ],
    },
  ],
};
