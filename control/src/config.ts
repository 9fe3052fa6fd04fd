// One typed configuration object per control process, built from flags and validated at
// start with a message that names the flag.
import { parseCidr } from '@ferry/protocol';
import { ConfigError } from './errors.js';

export interface ControlConfig {
  listen: { host: string; port: number };
  /** SQLite file; the default backend when --redis is absent. */
  db?: string;
  redis?: string;
  tokenKeyFile?: string;
  /** Hashed operator tokens (`ferry control token create`); without it protected calls are refused. */
  operatorTokensFile?: string;
  /** Sites (peering/IX) that serve every client, ranked after the BGP matches. */
  fallbackSites: string[];
  /** Only connections from these networks may set X-Forwarded-For. */
  trustedProxies: string[];
  logLevel: string;
  /** Ranked URLs per stream in a steering answer. */
  urlsPerStream: number;
  /** Load / capacity above which an appliance gets no new clients. */
  headroom: number;
  /** Lifetime of a signed URL. */
  tokenTtlSec: number;
  /** Heartbeat interval asked of appliances. */
  heartbeatIntervalMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** An appliance silent for this long counts as a failed observation. */
  staleAfterMs: number;
  /** A heartbeat that would leave an appliance with more prefixes than this is refused. */
  maxRoutesPerAppliance: number;
  /** POST /v1/steer requests per second per client address (burst the same); 0: no limit. */
  steerRateLimit: number;
  /** Per-phase HTTP timeouts (server/http-limits.ts). */
  http: HttpTimeouts;
}

export interface HttpTimeouts {
  /** Slowloris guard: the whole header block must arrive within this time. */
  headersTimeoutMs: number;
  /** Headers and body of one request; a 16 MiB heartbeat part takes well under a second on a LAN. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export const DEFAULTS = {
  db: 'ferry-control.db',
  urlsPerStream: 3,
  headroom: 0.9,
  tokenTtlSec: 6 * 3600,
  heartbeatIntervalMs: 1000,
  // A dead appliance must leave steering within 3 s: probes every 500 ms with a short
  // timeout leave room for the evaluator's consecutive-failure threshold.
  probeIntervalMs: 500,
  probeTimeoutMs: 400,
  staleAfterMs: 2500,
  // A full IPv4+IPv6 table is about 1.2M prefixes today; twice that leaves room to grow
  // while a runaway or hostile feed is still refused before it costs gigabytes.
  maxRoutesPerAppliance: 2_000_000,
  steerRateLimit: 0,
  // As on the appliance (appliance/src/http/listener.ts), with room for a heartbeat body.
  http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 30_000 },
} as const;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const SITE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateConfig(c: ControlConfig): ControlConfig {
  if (c.db !== undefined && c.redis !== undefined)
    throw new ConfigError('--db and --redis exclude each other');
  if (c.redis !== undefined && !/^rediss?:\/\//.test(c.redis)) {
    throw new ConfigError(`--redis must be a redis:// URL, got "${c.redis}"`);
  }
  if (!LEVELS.has(c.logLevel)) throw new ConfigError(`--log-level must be one of ${[...LEVELS].join(', ')}`);
  for (const site of c.fallbackSites) {
    if (!SITE.test(site)) throw new ConfigError(`--fallback-site must be a site name, got "${site}"`);
  }
  for (const cidr of c.trustedProxies) {
    if (!parseCidr(cidr)) throw new ConfigError(`--trusted-proxy must be a CIDR, got "${cidr}"`);
  }
  if (!Number.isInteger(c.maxRoutesPerAppliance) || c.maxRoutesPerAppliance < 1) {
    throw new ConfigError('--max-routes-per-appliance must be a positive integer');
  }
  if (!Number.isFinite(c.steerRateLimit) || c.steerRateLimit < 0) {
    throw new ConfigError('--steer-rate-limit must be 0 (off) or a positive number of requests/s');
  }
  return c;
}

/** Flags as commander hands them over (see cli/src/main.ts). */
export interface ControlFlags {
  listen: { host: string; port: number };
  db?: string;
  redis?: string;
  tokenKeyFile?: string;
  operatorTokens?: string;
  fallbackSite?: string[];
  trustedProxy?: string[];
  logLevel?: string;
  maxRoutesPerAppliance?: number;
  steerRateLimit?: number;
}

export function configFromFlags(flags: ControlFlags): ControlConfig {
  return validateConfig({
    listen: flags.listen,
    db: flags.db ?? (flags.redis ? undefined : DEFAULTS.db),
    redis: flags.redis,
    tokenKeyFile: flags.tokenKeyFile,
    operatorTokensFile: flags.operatorTokens,
    fallbackSites: flags.fallbackSite ?? [],
    trustedProxies: (flags.trustedProxy ?? []).map(normalizeCidr),
    logLevel: flags.logLevel ?? 'info',
    urlsPerStream: DEFAULTS.urlsPerStream,
    headroom: DEFAULTS.headroom,
    tokenTtlSec: DEFAULTS.tokenTtlSec,
    heartbeatIntervalMs: DEFAULTS.heartbeatIntervalMs,
    probeIntervalMs: DEFAULTS.probeIntervalMs,
    probeTimeoutMs: DEFAULTS.probeTimeoutMs,
    staleAfterMs: DEFAULTS.staleAfterMs,
    maxRoutesPerAppliance: flags.maxRoutesPerAppliance ?? DEFAULTS.maxRoutesPerAppliance,
    steerRateLimit: flags.steerRateLimit ?? DEFAULTS.steerRateLimit,
    http: { ...DEFAULTS.http },
  });
}

/** A bare address is a host route (127.0.0.1 → 127.0.0.1/32). */
function normalizeCidr(text: string): string {
  if (text.includes('/')) return text;
  return text.includes(':') ? `${text}/128` : `${text}/32`;
}
