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
  /**
   * With no fallback site, a client nothing else can serve goes to any serving appliance that
   * holds the file, least loaded first, instead of a 503 (absent: on).
   */
  lastResort?: boolean;
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
  /** TTL of the players' steering manifests (HLS / DASH Content Steering), seconds. */
  playerSteeringTtlSec: number;
  /** Per-phase HTTP timeouts (server/http-limits.ts). */
  http: HttpTimeouts;
  /** Chaos experiments (docs/chaos.md). */
  chaos: ChaosConfig;
  /** Placement and fill manifests (docs/fill.md). */
  fill: FillConfig;
}

export interface FillConfig {
  /** child site → the site its appliances fill from after their own site's peers */
  parents: Record<string, string>;
  /**
   * origin object keys are `<originPrefix>/<fileId>` ('' for `<fileId>`), relative to each
   * appliance's own `--origin` (bucket and prefix, or directory)
   */
  originPrefix: string;
  /** a file is live in a site once this many of its serving appliances hold it */
  minCopies: number;
  /** share of each appliance's capacity placement leaves free */
  keepFree: number;
  /** bytes assumed for every appliance instead of its reported disk bytes */
  capacityBytes?: number;
  /** popularity halves in this time */
  halfLifeMs: number;
  /** lifetime of a manifest's source URLs (fill tokens) */
  sourceTtlSec: number;
  /** placement is recomputed at least this often (popularity), and at once when the fleet or catalog changes */
  replanMs: number;
  /** an appliance silent this long leaves placement: its files go to the others */
  lostAfterMs: number;
  /** a source that sent corrupt bytes is left out of that file's sources this long */
  corruptExcludeMs: number;
  /** a content miss counts as this share of the stream's size served in the missing site */
  missShare: number;
  maxPeerSources: number;
  maxParentSources: number;
}

export interface ChaosConfig {
  /** Ed25519 private key that signs chaos orders; without it the chaos API answers 503. */
  keyFile?: string;
  /** The orders' lease: an appliance without newer orders this long reverts every fault. */
  leaseMs: number;
  /** Most of a site's capacity that experiments may take out at once (0-1]. */
  maxSiteShare: number;
  /** The schedule (a JSON policy file); without it experiments run only on request. */
  policyFile?: string;
  abort: ChaosAbortConfig;
}

/** While experiments run: crossing either share over the window aborts every one of them. */
export interface ChaosAbortConfig {
  windowMs: number;
  /** share of steering decisions that are `none` or `health-miss` */
  steerMissShare: number;
  /** fewer decisions in the window than this decide nothing */
  minDecisions: number;
  /** share of the appliances' responses that failed (appliances under an `errors` fault left out) */
  errorRate: number;
  minResponses: number;
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
  // A player learns that control took an appliance out of steering within this time; a
  // player asks once per TTL, so 10 s is one small request per viewer every 10 s.
  playerSteeringTtlSec: 10,
  // As on the appliance (appliance/src/http/listener.ts), with room for a heartbeat body.
  http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 30_000 },
  // Ten heartbeats: one or two lost replies never revert a fault, yet a fault outlives the
  // control that set it by ten seconds at most. A third of a site leaves two of three serving.
  chaos: {
    leaseMs: 10_000,
    maxSiteShare: 0.34,
    abort: { windowMs: 10_000, steerMissShare: 0.5, minDecisions: 20, errorRate: 0.5, minResponses: 100 },
  },
  // Popularity follows a day's viewing within hours; manifests' URLs outlive the agent's
  // manifest polls (seconds) many times over; an appliance five minutes silent is more than a
  // restart, and its copies are better fetched elsewhere.
  fill: {
    parents: {},
    originPrefix: '',
    minCopies: 1,
    keepFree: 0.1,
    halfLifeMs: 3_600_000,
    sourceTtlSec: 3600,
    replanMs: 10_000,
    lostAfterMs: 300_000,
    corruptExcludeMs: 1_800_000,
    missShare: 1,
    maxPeerSources: 4,
    maxParentSources: 4,
  },
} as const satisfies Partial<ControlConfig>;

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
  if (
    !Number.isInteger(c.playerSteeringTtlSec) ||
    c.playerSteeringTtlSec < 1 ||
    c.playerSteeringTtlSec > 86_400
  ) {
    throw new ConfigError('--player-steering-ttl must be an integer number of seconds from 1 to 86400');
  }
  validateChaos(c.chaos);
  validateFill(c.fill);
  return c;
}

const ORIGIN_PREFIX = /^(?:[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*)?$/;

function validateFill(c: FillConfig): void {
  for (const [child, parent] of Object.entries(c.parents)) {
    if (!SITE.test(child) || !SITE.test(parent)) {
      throw new ConfigError(`--fill-parent must be SITE=PARENTSITE, got "${child}=${parent}"`);
    }
    if (child === parent)
      throw new ConfigError(`--fill-parent ${child}=${parent}: a site cannot be its own parent`);
  }
  for (const start of Object.keys(c.parents)) {
    const seen = new Set([start]);
    for (let s = c.parents[start]; s !== undefined; s = c.parents[s]) {
      if (seen.has(s)) throw new ConfigError(`--fill-parent: the tiers loop back to ${s}`);
      seen.add(s);
    }
  }
  if (
    c.originPrefix.length > 512 ||
    !ORIGIN_PREFIX.test(c.originPrefix) ||
    /(^|\/)\.\.?($|\/)/.test(c.originPrefix)
  ) {
    throw new ConfigError(
      `--origin-prefix must be key segments like content or a/b, got "${c.originPrefix}"`,
    );
  }
  if (!Number.isInteger(c.minCopies) || c.minCopies < 1 || c.minCopies > 64) {
    throw new ConfigError('--fill-min-copies must be an integer from 1 to 64');
  }
  if (!Number.isFinite(c.keepFree) || c.keepFree < 0 || c.keepFree >= 1) {
    throw new ConfigError('--fill-keep-free must be a share from 0 up to (not including) 1');
  }
  if (c.capacityBytes !== undefined && (!Number.isSafeInteger(c.capacityBytes) || c.capacityBytes < 1)) {
    throw new ConfigError('--fill-capacity must be a positive number of bytes');
  }
  if (!Number.isFinite(c.halfLifeMs) || c.halfLifeMs < 1000) {
    throw new ConfigError('--fill-half-life-sec must be at least 1');
  }
}

function validateChaos(c: ChaosConfig): void {
  if (c.policyFile !== undefined && c.keyFile === undefined) {
    throw new ConfigError('--chaos-policy needs --chaos-key (orders are signed with it)');
  }
  if (!Number.isInteger(c.leaseMs) || c.leaseMs < 1000 || c.leaseMs > 600_000) {
    throw new ConfigError('--chaos-lease-ms must be an integer from 1000 to 600000');
  }
  const shares: [number, string][] = [
    [c.maxSiteShare, '--chaos-max-site-share'],
    [c.abort.steerMissShare, '--chaos-abort-steer-miss-share'],
    [c.abort.errorRate, '--chaos-abort-error-rate'],
  ];
  for (const [v, flag] of shares) {
    if (!Number.isFinite(v) || v <= 0 || v > 1)
      throw new ConfigError(`${flag} must be a share above 0 and at most 1`);
  }
  if (!Number.isInteger(c.abort.windowMs) || c.abort.windowMs < 1000 || c.abort.windowMs > 600_000) {
    throw new ConfigError('--chaos-abort-window-sec must be an integer from 1 to 600');
  }
  for (const [v, flag] of [
    [c.abort.minDecisions, '--chaos-abort-min-decisions'],
    [c.abort.minResponses, '--chaos-abort-min-responses'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${flag} must be a positive integer`);
  }
}

/** Flags as commander hands them over (see cli/src/control-command.ts). */
export interface ControlFlags {
  listen: { host: string; port: number };
  db?: string;
  redis?: string;
  tokenKeyFile?: string;
  operatorTokens?: string;
  fallbackSite?: string[];
  /** `on` (default) or `off` */
  lastResort?: string;
  trustedProxy?: string[];
  logLevel?: string;
  maxRoutesPerAppliance?: number;
  steerRateLimit?: number;
  playerSteeringTtl?: number;
  chaosKey?: string;
  chaosLeaseMs?: number;
  chaosMaxSiteShare?: number;
  chaosPolicy?: string;
  chaosAbortWindowSec?: number;
  chaosAbortSteerMissShare?: number;
  chaosAbortMinDecisions?: number;
  chaosAbortErrorRate?: number;
  chaosAbortMinResponses?: number;
  fillParent?: string[];
  originPrefix?: string;
  fillMinCopies?: number;
  fillKeepFree?: number;
  fillCapacity?: number;
  fillHalfLifeSec?: number;
  /**
   * Reads the settings again as first given (the command line over the config file), for
   * SIGHUP (cli.ts). Absent: SIGHUP reloads no settings.
   */
  rereadConfig?: () => Promise<unknown>;
}

export function configFromFlags(flags: ControlFlags): ControlConfig {
  return validateConfig({
    listen: flags.listen,
    db: flags.db ?? (flags.redis ? undefined : DEFAULTS.db),
    redis: flags.redis,
    tokenKeyFile: flags.tokenKeyFile,
    operatorTokensFile: flags.operatorTokens,
    fallbackSites: flags.fallbackSite ?? [],
    lastResort: onOff('--last-resort', flags.lastResort, true),
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
    playerSteeringTtlSec: flags.playerSteeringTtl ?? DEFAULTS.playerSteeringTtlSec,
    http: { ...DEFAULTS.http },
    chaos: chaosFromFlags(flags),
    fill: fillFromFlags(flags),
  });
}

/** The settings (top-level keys) that differ between two configurations. */
export function diffConfig(a: ControlConfig, b: ControlConfig): (keyof ControlConfig)[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ControlConfig>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

function onOff(flag: string, value: string | undefined, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`${flag} must be on or off, got "${value}"`);
}

function fillFromFlags(flags: ControlFlags): FillConfig {
  const d = DEFAULTS.fill;
  const parents: Record<string, string> = {};
  for (const pair of flags.fillParent ?? []) {
    const at = pair.indexOf('=');
    const child = at > 0 ? pair.slice(0, at) : '';
    if (child === '' || child in parents) {
      throw new ConfigError(`--fill-parent must be SITE=PARENTSITE, each site once, got "${pair}"`);
    }
    parents[child] = pair.slice(at + 1);
  }
  return {
    ...d,
    parents,
    originPrefix: flags.originPrefix ?? d.originPrefix,
    minCopies: flags.fillMinCopies ?? d.minCopies,
    keepFree: flags.fillKeepFree ?? d.keepFree,
    ...(flags.fillCapacity === undefined ? {} : { capacityBytes: flags.fillCapacity }),
    halfLifeMs: flags.fillHalfLifeSec === undefined ? d.halfLifeMs : flags.fillHalfLifeSec * 1000,
  };
}

function chaosFromFlags(flags: ControlFlags): ChaosConfig {
  const d = DEFAULTS.chaos;
  return {
    keyFile: flags.chaosKey,
    leaseMs: flags.chaosLeaseMs ?? d.leaseMs,
    maxSiteShare: flags.chaosMaxSiteShare ?? d.maxSiteShare,
    policyFile: flags.chaosPolicy,
    abort: {
      windowMs: flags.chaosAbortWindowSec === undefined ? d.abort.windowMs : flags.chaosAbortWindowSec * 1000,
      steerMissShare: flags.chaosAbortSteerMissShare ?? d.abort.steerMissShare,
      minDecisions: flags.chaosAbortMinDecisions ?? d.abort.minDecisions,
      errorRate: flags.chaosAbortErrorRate ?? d.abort.errorRate,
      minResponses: flags.chaosAbortMinResponses ?? d.abort.minResponses,
    },
  };
}

/** A bare address is a host route (127.0.0.1 → 127.0.0.1/32). */
function normalizeCidr(text: string): string {
  if (text.includes('/')) return text;
  return text.includes(':') ? `${text}/128` : `${text}/32`;
}
