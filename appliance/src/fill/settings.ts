// Fill's part of the appliance configuration (docs/appliance.md, "Fill"): the flags, their
// defaults, and the checks made at start, each message naming its flag.
import { configError } from '../errors.js';
import { type FillWindow, parseFillWindow } from './window.js';

/** Where `origin` sources are fetched from: an S3 bucket (any S3 API) or a directory. */
export type OriginSettings =
  | {
      kind: 's3';
      bucket: string;
      /** key prefix without slashes at either end; '' for the bucket's root */
      prefix: string;
      /** an S3-compatible endpoint; absent: AWS's own for the region */
      endpoint?: string;
      region: string;
      /** absent: the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, …) */
      credentials?: { accessKeyId: string; secretAccessKey: string };
    }
  | { kind: 'dir'; path: string };

export interface FillSettings {
  /** 'off': the appliance holds what it has and fetches nothing */
  mode: 'on' | 'off';
  origin?: OriginSettings;
  window: FillWindow;
  /** one cap over every download, bytes/s; absent: uncapped */
  rateBytesPerSec?: number;
  /** files downloaded at once */
  concurrency: number;
  /** a file no longer wanted stays this long before it is removed */
  evictGraceSec: number;
  /** how often the manifest is asked for */
  manifestIntervalMs: number;
  /** a source that sends nothing for this long is given up for the next */
  stallTimeoutMs: number;
  /** first wait before a file whose every source failed is tried again (doubles, at most 5 min) */
  retryBaseMs: number;
}

export const FILL_DEFAULTS = {
  concurrency: 2,
  evictGraceSec: 300,
  manifestIntervalSec: 10,
  stallTimeoutSec: 30,
  retryBaseMs: 5000,
  region: 'us-east-1',
} as const;

/** The flags as commander hands them over. */
export interface FillFlags {
  fill?: 'on' | 'off';
  origin?: string;
  originEndpoint?: string;
  originRegion?: string;
  fillWindow?: string;
  fillRate?: number;
  fillConcurrency?: number;
  evictGraceSec?: number;
  fillManifestInterval?: number;
  fillStallTimeout?: number;
}

export function fillSettingsFromFlags(f: FillFlags): FillSettings {
  const window = parseFillWindow(f.fillWindow ?? 'always');
  if ('error' in window) throw configError(`--fill-window: ${window.error}`);
  if (f.originEndpoint !== undefined && !f.origin?.startsWith('s3://'))
    throw configError('--origin-endpoint needs an s3:// --origin');
  if (f.originRegion !== undefined && !f.origin?.startsWith('s3://'))
    throw configError('--origin-region needs an s3:// --origin');
  return {
    mode: f.fill ?? 'off',
    ...(f.origin !== undefined
      ? { origin: parseOrigin(f.origin, { endpoint: f.originEndpoint, region: f.originRegion }) }
      : {}),
    window,
    ...(f.fillRate !== undefined ? { rateBytesPerSec: f.fillRate } : {}),
    concurrency: f.fillConcurrency ?? FILL_DEFAULTS.concurrency,
    evictGraceSec: f.evictGraceSec ?? FILL_DEFAULTS.evictGraceSec,
    manifestIntervalMs: (f.fillManifestInterval ?? FILL_DEFAULTS.manifestIntervalSec) * 1000,
    stallTimeoutMs: (f.fillStallTimeout ?? FILL_DEFAULTS.stallTimeoutSec) * 1000,
    retryBaseMs: FILL_DEFAULTS.retryBaseMs,
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://BUCKET[/PREFIX]` or `dir:/path`. */
export function parseOrigin(text: string, s3: { endpoint?: string; region?: string } = {}): OriginSettings {
  if (text.startsWith('dir:')) {
    const path = text.slice(4);
    if (path === '') throw configError('--origin dir: needs a directory, e.g. dir:/srv/origin');
    return { kind: 'dir', path };
  }
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  if (!m) throw configError(`--origin must be s3://BUCKET[/PREFIX] or dir:/path, got "${text}"`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw configError(`--origin: "${bucket}" is not an S3 bucket name`);
  if (s3.endpoint !== undefined) {
    try {
      new URL(s3.endpoint);
    } catch {
      throw configError(`--origin-endpoint must be a URL, got "${s3.endpoint}"`);
    }
  }
  return {
    kind: 's3',
    bucket,
    prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, ''),
    ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
    region: s3.region ?? FILL_DEFAULTS.region,
  };
}

export function validateFill(s: FillSettings, control: string | undefined): void {
  if (s.mode !== 'on' && s.mode !== 'off') throw configError(`--fill must be on or off, got "${s.mode}"`);
  const positive = (v: number, flag: string) => {
    if (!Number.isInteger(v) || v <= 0) throw configError(`${flag} must be a positive integer, got ${v}`);
  };
  if (s.rateBytesPerSec !== undefined) positive(s.rateBytesPerSec, '--fill-rate');
  positive(s.concurrency, '--fill-concurrency');
  if (s.concurrency > 64) throw configError(`--fill-concurrency must be at most 64, got ${s.concurrency}`);
  if (!Number.isInteger(s.evictGraceSec) || s.evictGraceSec < 0)
    throw configError(`--evict-grace-sec must be an integer >= 0, got ${s.evictGraceSec}`);
  positive(s.manifestIntervalMs, '--fill-manifest-interval');
  positive(s.stallTimeoutMs, '--fill-stall-timeout');
  if (s.mode === 'on' && control === undefined)
    throw configError('--fill on needs --control URL: what to hold comes from control');
}

/** The origin as status shows it: where, never credentials. */
export function describeOrigin(o: OriginSettings | undefined): string | null {
  if (!o) return null;
  if (o.kind === 'dir') return `dir:${o.path}`;
  const where = `s3://${o.bucket}${o.prefix ? `/${o.prefix}` : ''}`;
  return o.endpoint ? `${where} at ${o.endpoint}` : `${where} (${o.region})`;
}
