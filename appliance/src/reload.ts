// What SIGHUP can change in a running appliance without a restart (docs/appliance.md,
// "Reloading"): the settings below are applied live, in every worker; any other setting
// that differs in the re-read config file is logged as needing a restart and left as it is.
import type { ApplianceConfig } from './config.js';
import type { AccessLog, Logger } from './ops/logger.js';
import type { ContentStore } from './store/store.js';

/** The settings a SIGHUP applies live; they travel from the primary to its workers. */
export interface LiveSettings {
  logLevel: string;
  /** a file path, '-' for stdout, or 'off' */
  accessLog: string;
  /** bits/s reported to control; absent: the default (agent/heartbeat.ts) */
  capacityBps?: number;
  drainTimeoutSec: number;
}

const LIVE: readonly (keyof LiveSettings)[] = ['logLevel', 'accessLog', 'capacityBps', 'drainTimeoutSec'];

export function liveSettings(c: ApplianceConfig): LiveSettings {
  return {
    logLevel: c.logLevel,
    accessLog: c.accessLog,
    drainTimeoutSec: c.drainTimeoutSec,
    ...(c.capacityBps !== undefined ? { capacityBps: c.capacityBps } : {}),
  };
}

/** What a reload changes: the live settings that differ, and the others that need a restart. */
export function diffSettings(
  running: ApplianceConfig,
  next: ApplianceConfig,
): { live: (keyof LiveSettings)[]; restart: string[] } {
  const live: (keyof LiveSettings)[] = [];
  const restart: string[] = [];
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]) as Set<keyof ApplianceConfig>;
  for (const k of keys) {
    if (JSON.stringify(running[k]) === JSON.stringify(next[k])) continue;
    if ((LIVE as readonly string[]).includes(k)) live.push(k as keyof LiveSettings);
    else restart.push(k);
  }
  return { live, restart };
}

/** Puts the live settings into the running configuration, which the parts read when they act. */
export function applyLive(config: ApplianceConfig, live: LiveSettings): void {
  config.logLevel = live.logLevel;
  config.accessLog = live.accessLog;
  config.drainTimeoutSec = live.drainTimeoutSec;
  if (live.capacityBps === undefined) delete config.capacityBps;
  else config.capacityBps = live.capacityBps;
}

export interface ReloadParts {
  config: ApplianceConfig;
  logger: Logger;
  accessLog: AccessLog;
  store: ContentStore;
  /** the token keys and the TLS pair */
  reloadKeys(why: string): Promise<unknown>;
  reloaded(why: string): void;
}

/**
 * One process's SIGHUP: the live settings applied, the access log reopened, the store index
 * rescanned, the keys and TLS pair read again. Each part on its own: one that fails is
 * logged and the others still reload; nothing drains or closes a connection.
 */
export function reloader(p: ReloadParts): (why: string, live?: LiveSettings) => Promise<void> {
  return async (why, live) => {
    const step = async (what: string, run: () => unknown) => {
      try {
        await run();
      } catch (err) {
        p.logger.error({ why, err: (err as Error).message }, `reload: ${what} failed`);
      }
    };
    if (live) {
      applyLive(p.config, live);
      p.logger.level = live.logLevel;
    }
    await step('access log', () =>
      p.accessLog.reopen(p.config.accessLog, (err) =>
        p.logger.error({ err: err.message, accessLog: p.config.accessLog }, 'access log: cannot write'),
      ),
    );
    await step('store index', () => p.store.refresh());
    await step('keys', () => p.reloadKeys(why));
    p.reloaded(why);
    p.logger.info({ why, settings: live ?? null, files: p.store.stats().files }, 'reloaded');
  };
}
