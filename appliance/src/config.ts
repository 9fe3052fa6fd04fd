// One typed configuration object per appliance process, built from flags and validated
// at start with a message that names the flag.
import { parsePublicKey } from '@ferry/protocol';
import { type BgpFlags, type BgpSettings, settingsFromFlags } from './bgp/session/neighbors.js';
import { configError } from './errors.js';
import { type FillFlags, type FillSettings, fillSettingsFromFlags, validateFill } from './fill/settings.js';
import type { ServerLimits } from './http/listener.js';

export interface ApplianceConfig {
  id: string;
  /** the viewers' port: content and /healthz */
  listen: { host: string; port: number };
  /** the admin listener: drain, undrain, status, routes, metrics, healthz */
  adminListen: { host: string; port: number };
  stores: string[];
  site: string;
  control?: string;
  /** the Ed25519 key that signs every call to control; required with `control` */
  identityKeyFile?: string;
  tokenKeyFile?: string;
  open: boolean;
  bodySender: 'auto' | 'sendfile' | 'copy';
  /** a file path, '-' for stdout, or 'off' */
  accessLog: string;
  logLevel: string;
  maxRanges: number;
  drainTimeoutSec: number;
  /** What this appliance may send, bits/s, as reported to control (absent: 10 Gb/s). */
  capacityBps?: number;
  limits?: Partial<ServerLimits>;
  /** How often disks are checked for failure (default 5000 ms). */
  storeCheckIntervalMs?: number;
  /** Without control for this long, the appliance stops taking new sessions (default 30 s). */
  controlGraceMs?: number;
  /** Heartbeat interval (default 1000 ms; control may ask for another). */
  heartbeatMs?: number;
  /** BGP neighbors; absent when the appliance runs without BGP. */
  bgp?: BgpSettings;
  /** Chaos orders from control (docs/appliance.md, "Chaos"); absent: off. */
  chaos?: ChaosSettings;
  /** Filling the store from peers, parents and the origin (docs/appliance.md, "Fill"); absent: off. */
  fill?: FillSettings;
  /** HTTPS on the viewers' port (docs/appliance.md, "HTTPS"); absent: plain HTTP. */
  tls?: { certFile: string; keyFile: string };
}

export interface ChaosSettings {
  /** 'off' refuses every order */
  mode: 'on' | 'off';
  /** control's chaos public keys, base64url raw Ed25519 (`ferry keys identity` prints one) */
  verifyKeys: string[];
}

/**
 * An appliance embedded in another process (a tool, another package's tests): open, on
 * 127.0.0.1 port 0, silent logs. The caller names at least the stores.
 */
export function embeddedConfig(overrides: Partial<ApplianceConfig> & { stores: string[] }): ApplianceConfig {
  return {
    id: 'embedded-appliance',
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    site: 'test',
    open: true,
    bodySender: 'auto',
    accessLog: 'off',
    logLevel: 'silent',
    maxRanges: 16,
    drainTimeoutSec: 10,
    ...overrides,
  };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function validateConfig(c: ApplianceConfig): ApplianceConfig {
  if (!ID.test(c.id)) throw configError(`--id must be 1-64 characters of [A-Za-z0-9._-], got "${c.id}"`);
  if (c.stores.length === 0) throw configError('at least one --store DIR is required');
  if (new Set(c.stores).size !== c.stores.length)
    throw configError('each --store directory may be given once');
  if (!c.open && !c.tokenKeyFile) {
    throw configError('--token-key-file FILE is required (or --open to serve without tokens, for local use)');
  }
  if (c.open && c.tokenKeyFile) throw configError('--open and --token-key-file exclude each other');
  if (
    c.adminListen.port !== 0 &&
    c.adminListen.port === c.listen.port &&
    (c.adminListen.host === c.listen.host || isAnyAddress(c.listen.host) || isAnyAddress(c.adminListen.host))
  ) {
    throw configError(
      "--admin-listen must differ from --listen: the admin endpoints stay off the viewers' port",
    );
  }
  if (!LEVELS.has(c.logLevel)) throw configError(`--log-level must be one of ${[...LEVELS].join(', ')}`);
  if (c.capacityBps !== undefined && (!Number.isSafeInteger(c.capacityBps) || c.capacityBps < 1)) {
    throw configError(`--capacity must be a positive rate in bits/s, got ${c.capacityBps}`);
  }
  if (c.control !== undefined) {
    try {
      new URL(c.control);
    } catch {
      throw configError(`--control must be a URL, got "${c.control}"`);
    }
    if (!c.identityKeyFile) {
      throw configError(
        '--identity-key FILE is required with --control: control accepts only signed heartbeats ' +
          '(ferry keys identity --out FILE, then enroll its public key: ferry control appliance add)',
      );
    }
  }
  if (c.tls && (!c.tls.certFile || !c.tls.keyFile)) {
    throw configError(
      c.tls.certFile
        ? '--tls-key FILE is required with --tls-cert'
        : '--tls-cert FILE is required with --tls-key',
    );
  }
  if (c.chaos) validateChaos(c.chaos, c.control);
  if (c.fill) validateFill(c.fill, c.control);
  return c;
}

function validateChaos(chaos: ChaosSettings, control: string | undefined): void {
  if (chaos.mode !== 'on' && chaos.mode !== 'off')
    throw configError(`--chaos must be on or off, got "${chaos.mode}"`);
  for (const key of chaos.verifyKeys) {
    if (!parsePublicKey(key)) {
      throw configError(
        `--chaos-verify-key must be a base64url raw Ed25519 public key (43 characters), got "${key}"`,
      );
    }
  }
  if (chaos.mode !== 'on') return;
  if (control === undefined)
    throw configError('--chaos on needs --control URL: chaos orders come from control');
  if (chaos.verifyKeys.length === 0) {
    throw configError(
      "--chaos on needs --chaos-verify-key KEY: control's chaos public key, so only control's orders run",
    );
  }
}

function isAnyAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** The admin listener's default port, beside the viewers' default 8080 (control's is 8000). */
export const DEFAULT_ADMIN_PORT = 9081;

/**
 * --admin-listen, or its default: 127.0.0.1:9081, and 127.0.0.1:0 when --listen asks for an
 * ephemeral port (tests, `ferry demo`, several appliances on one machine), so that such
 * appliances never collide on the admin port. The readiness output names the port taken.
 */
export function adminListenFor(
  flag: { host: string; port: number } | undefined,
  listen: { host: string; port: number },
): { host: string; port: number } {
  if (flag) return flag;
  return { host: '127.0.0.1', port: listen.port === 0 ? 0 : DEFAULT_ADMIN_PORT };
}

/** Flags as commander hands them over (see cli/src/appliance-command.ts). */
export interface ApplianceFlags extends BgpFlags, FillFlags {
  id: string;
  listen: { host: string; port: number };
  adminListen?: { host: string; port: number };
  store: string[];
  site: string;
  control?: string;
  identityKey?: string;
  tokenKeyFile?: string;
  open: boolean;
  bodySender: 'auto' | 'sendfile' | 'copy';
  accessLog: string;
  logLevel: string;
  maxRanges: number;
  drainTimeout: number;
  controlGrace?: number;
  chaos?: 'on' | 'off';
  chaosVerifyKey?: string[];
  tlsCert?: string;
  tlsKey?: string;
  /** --capacity, bits/s */
  capacity?: number;
  /**
   * Reads the settings again as they were first given (the command line over the config
   * file): SIGHUP applies what changed (reload.ts). Absent: SIGHUP reloads no settings.
   */
  rereadConfig?: () => Promise<unknown>;
}

export function configFromFlags(f: ApplianceFlags): ApplianceConfig {
  return validateConfig({
    id: f.id,
    listen: f.listen,
    adminListen: adminListenFor(f.adminListen, f.listen),
    stores: f.store,
    site: f.site,
    control: f.control,
    identityKeyFile: f.identityKey,
    tokenKeyFile: f.tokenKeyFile,
    open: f.open,
    bodySender: f.bodySender,
    accessLog: f.accessLog,
    logLevel: f.logLevel,
    maxRanges: f.maxRanges,
    drainTimeoutSec: f.drainTimeout,
    ...(f.capacity !== undefined ? { capacityBps: f.capacity } : {}),
    bgp: settingsFromFlags(f),
    ...(f.controlGrace !== undefined ? { controlGraceMs: f.controlGrace * 1000 } : {}),
    chaos: { mode: f.chaos ?? 'off', verifyKeys: f.chaosVerifyKey ?? [] },
    fill: fillSettingsFromFlags(f),
    ...(f.tlsCert !== undefined || f.tlsKey !== undefined
      ? { tls: { certFile: f.tlsCert ?? '', keyFile: f.tlsKey ?? '' } }
      : {}),
  });
}
