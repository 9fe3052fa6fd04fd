// Shared pieces of the fill tests: manifest files and manifests, fill settings with test
// timings, an appliance that fills (reporting to a FakeControl that serves its manifest),
// and small readers of its metrics and status.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { S3_TEST_CREDENTIALS, S3_TEST_REGION, type S3Server, startS3Server } from '@ferry/harness';
import { type FillManifest, type FillSource, type ManifestFile, parsePublicKey } from '@ferry/protocol';
import type { ApplianceConfig } from '../../src/config.js';
import type { FillSettings, OriginSettings } from '../../src/fill/settings.js';
import { createIdentityKey } from '../../src/identity/identity-key.js';
import type { FakeControl } from '../agent-fake-control.js';
import { type Fixture, startFixture } from './appliance-fixture.js';

export const BUCKET = 'media';
export const PREFIX = 'videos';

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function manifestFile(fileId: string, bytes: Buffer, sources: FillSource[]): ManifestFile {
  return { fileId, size: bytes.length, sha256: sha256(bytes), sources };
}

export function manifestOf(
  applianceId: string,
  files: ManifestFile[],
  opts: { version?: number; drop?: string[]; sourcesExpireAt?: number } = {},
): FillManifest {
  return {
    applianceId,
    version: opts.version ?? 1,
    generatedAtMs: Date.now(),
    files,
    drop: opts.drop ?? [],
    sourcesExpireAt: opts.sourcesExpireAt ?? Math.floor(Date.now() / 1000) + 3600,
  };
}

export const origin = (key: string): FillSource => ({ kind: 'origin', key });

export const peer = (applianceId: string, url: string): FillSource => ({ kind: 'peer', applianceId, url });

/** A real s3rver holding each file as `videos/<id>` in bucket `media`. */
export async function startOrigin(files: Record<string, Buffer>): Promise<S3Server> {
  const s3 = await startS3Server({ buckets: [BUCKET] });
  for (const [id, bytes] of Object.entries(files)) await s3.putObject(BUCKET, `${PREFIX}/${id}`, bytes);
  return s3;
}

/** The s3rver origin of the tests: bucket `media`, prefix `videos`. */
export function s3Origin(s3: Pick<S3Server, 'endpoint'>): Extract<OriginSettings, { kind: 's3' }> {
  return {
    kind: 's3',
    bucket: BUCKET,
    prefix: PREFIX,
    endpoint: s3.endpoint,
    region: S3_TEST_REGION,
    credentials: { ...S3_TEST_CREDENTIALS },
  };
}

/** Fill on, always open, with timings short enough for tests. */
export function fillSettings(overrides: Partial<FillSettings> = {}): FillSettings {
  return {
    mode: 'on',
    window: { kind: 'always' },
    concurrency: 2,
    evictGraceSec: 300,
    manifestIntervalMs: 200,
    stallTimeoutMs: 5000,
    retryBaseMs: 500,
    ...overrides,
  };
}

/**
 * An appliance that fills, reporting to `control` every 100 ms; its identity key is trusted
 * by `control`, so every manifest request must carry a good signature.
 */
export async function startFiller(
  control: FakeControl,
  opts: {
    id: string;
    dir: string;
    fill: Partial<FillSettings>;
    files?: Record<string, number>;
    config?: Partial<ApplianceConfig>;
  },
): Promise<Fixture> {
  const identityKeyFile = join(opts.dir, `${opts.id}.identity`);
  control.trust(opts.id, parsePublicKey(await createIdentityKey(identityKeyFile))!);
  return startFixture({
    files: opts.files ?? {},
    config: {
      id: opts.id,
      control: control.url,
      identityKeyFile,
      heartbeatMs: 100,
      fill: fillSettings(opts.fill),
      ...opts.config,
    },
  });
}

/** The value of one series in Prometheus text, 0 when absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}

export async function metricsOf(fx: Fixture): Promise<string> {
  return (await fetch(`${fx.adminUrl}/metrics`)).text();
}

export async function fillStatus(fx: Fixture): Promise<Record<string, unknown>> {
  const status = (await (await fetch(`${fx.adminUrl}/v1/status`)).json()) as {
    fill: Record<string, unknown>;
  };
  return status.fill;
}

/** True once the store serves `id` in the version with this sha256. */
export function holds(fx: Fixture, id: string, sha: string): boolean {
  const f = fx.app.store.lookup(id);
  return f !== undefined && !f.missing && f.sha256 === sha;
}
