// Starts a real appliance on 127.0.0.1 with a temporary store holding deterministic test
// files, for black-box HTTP tests. Everything it makes, stop() removes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type RunningAppliance, startAppliance } from '../../src/app.js';
import { type ApplianceConfig, embeddedConfig } from '../../src/config.js';
import { createIdentityKey } from '../../src/identity/identity-key.js';
import { ContentStore } from '../../src/store/store.js';

export interface Fixture {
  app: RunningAppliance;
  /** the viewers' port */
  url: string;
  /** the admin listener */
  adminUrl: string;
  files: Map<string, Buffer>;
  dir: string;
  stop(): Promise<void>;
}

/** Deterministic, non-repeating bytes so that an offset error shows up as a mismatch. */
export function testBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = 0;
  for (let off = 0; off < size; off += 32) {
    createHash('sha256').update(`${seed}:${block++}`).digest().copy(out, off);
  }
  return out;
}

/** An open appliance on 127.0.0.1, port 0, silent logs: the base every test config starts from. */
export function testConfig(overrides: Partial<ApplianceConfig> & { stores: string[] }): ApplianceConfig {
  return embeddedConfig({ id: 'test-appliance', ...overrides });
}

export async function startFixture(
  opts: {
    files?: Record<string, number>;
    config?: Partial<ApplianceConfig>;
    /** store directories (disks); the files are spread over them (default 1) */
    disks?: number;
  } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-app-'));
  const storeDirs = Array.from({ length: opts.disks ?? 1 }, (_, i) =>
    join(dir, i === 0 ? 'store' : `store${i}`),
  );
  const files = new Map<string, Buffer>();
  const store = ContentStore.open(storeDirs);
  for (const [id, size] of Object.entries(opts.files ?? { 'f-small': 10_000 })) {
    const bytes = testBytes(size, id);
    const src = join(dir, id);
    writeFileSync(src, bytes);
    await store.add(src, id);
    files.set(id, bytes);
  }
  store.close();
  const config = testConfig({ stores: storeDirs, ...opts.config });
  // An appliance that reports to control signs with a key of its own.
  if (config.control && !config.identityKeyFile) {
    config.identityKeyFile = join(dir, 'identity');
    await createIdentityKey(config.identityKeyFile);
  }
  const app = await startAppliance(config, { logger: pino({ level: 'silent' }) });
  return {
    app,
    url: app.url,
    adminUrl: app.adminUrl,
    files,
    dir,
    async stop() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
