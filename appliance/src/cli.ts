// `ferry appliance`: one process, or with --workers N a primary (BGP, the control agent,
// chaos, fill: cluster/services.ts) and N workers sharing the listen sockets. Drains and
// exits on SIGTERM/SIGINT or POST /v1/drain?exit=true on the admin listener. SIGHUP reloads
// without dropping a connection: the token key file, the TLS certificate, the config file
// (live settings applied, the others logged as needing a restart: reload.ts), the store
// index and the access log (logrotate's rename, then SIGHUP). With --workers the primary
// reads the config file and every worker does its share.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { startAppliance } from './app.js';
import { runPrimary } from './cluster/primary.js';
import { linkToPrimary, type WorkerLink, workerIdentity } from './cluster/worker.js';
import { type ApplianceConfig, type ApplianceFlags, configFromFlags } from './config.js';
import { configError } from './errors.js';
import { createServiceLogger, type Logger } from './ops/logger.js';
import { diffSettings, type LiveSettings, liveSettings } from './reload.js';

export async function runAppliance(flags: ApplianceFlags & { workers?: string }): Promise<void> {
  const config = configFromFlags(flags);
  const workers = parseWorkers(flags.workers ?? '1');
  // Only the process that receives SIGHUP reads the file again: the primary, or the lone process.
  const reread = cluster.isPrimary ? flags.rereadConfig : undefined;
  // Installed before anything else: node's default for SIGHUP ends the process, and an
  // operator's reload must never cost the viewers their transfers (docs/appliance.md).
  let onHangup: () => void = () => {};
  process.on('SIGHUP', () => onHangup());
  if (workers > 1 && cluster.isPrimary) {
    const logger = createServiceLogger(config.logLevel, { appliance: config.id, role: 'primary' });
    const primary = await runPrimary(config, workers, logger);
    onHangup = () =>
      void settingsOnHangup(config, workers, reread, logger).then((live) => primary.reload('SIGHUP', live));
    return;
  }
  const worker = cluster.isWorker ? workerIdentity() : null;
  // Set once the appliance has started: a reload order before that has nothing to reload.
  let reloadApp: (live?: LiveSettings) => void = () => {};
  let stopRequested = false;
  let shutdown: (why: string) => Promise<void> = async () => {};
  let link: WorkerLink | undefined;
  // A worker only serves: BGP, the agent, chaos and fill run once, in the primary
  // (cluster/services.ts), and reach the workers over the cluster IPC.
  const app = await startAppliance(worker ? servingOnly(config) : config, {
    logger: worker
      ? createServiceLogger(config.logLevel, { appliance: config.id, worker: worker.index })
      : undefined,
    onDrainedExit: () => void shutdown('drain request'),
    cluster: worker
      ? (parts) => {
          link = linkToPrimary(parts, {
            drainExit: () => void shutdown('primary'),
            reload: (live) => reloadApp(live),
            apply: (order) => {
              if (order === 'drain') parts.server.requestDrain(false);
              else parts.server.undrain();
            },
          });
          return link;
        }
      : undefined,
  });
  reloadApp = (live) => void app.reload('SIGHUP', live);
  if (!worker) {
    onHangup = () =>
      void settingsOnHangup(config, workers, reread, app.logger).then((live) => app.reload('SIGHUP', live));
  }
  shutdown = async (why: string) => {
    if (stopRequested) {
      // A second signal while draining means: stop waiting.
      process.stderr.write('ferry: exiting without waiting for the drain to finish\n');
      process.exit(1);
    }
    stopRequested = true;
    app.logger.info({ why }, 'shutting down');
    await app.stop();
    app.logger.flush(() => process.exit(0));
  };
  if (worker) {
    link?.announceListening(app.url, app.adminUrl);
    // The primary coordinates: Ctrl-C reaches the whole process group, and the primary's
    // drain order must not count as a second signal here.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    return;
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Readiness lines for scripts and humans (the admin line first, so whoever waits for
  // "serving on" has both); the service log goes to stderr.
  process.stderr.write(`ferry appliance ${config.id} admin on ${app.adminUrl}\n`);
  process.stderr.write(`ferry appliance ${config.id} serving on ${app.url}\n`);
}

/**
 * The live settings of the config file read again (undefined without --config, or when the
 * file no longer parses: the running settings stay, and the error is logged); settings that
 * changed but cannot change live are logged as needing a restart.
 */
async function settingsOnHangup(
  running: ApplianceConfig,
  workers: number,
  reread: ApplianceFlags['rereadConfig'],
  logger: Logger,
): Promise<LiveSettings | undefined> {
  if (!reread) return undefined;
  let next: ApplianceConfig;
  let nextWorkers: number;
  try {
    const flags = (await reread()) as ApplianceFlags & { workers?: string };
    next = configFromFlags(flags);
    nextWorkers = parseWorkers(flags.workers ?? '1');
  } catch (err) {
    logger.error(
      { err: (err as Error).message },
      'SIGHUP: config file not applied, the running settings stay',
    );
    return undefined;
  }
  const { live, restart } = diffSettings(running, next);
  if (nextWorkers !== workers) restart.push('workers');
  if (restart.length > 0) {
    logger.warn({ settings: restart }, 'SIGHUP: changed settings that need a restart; left as they are');
  }
  if (live.length > 0) logger.info({ settings: live }, 'SIGHUP: applying changed settings');
  return liveSettings(next);
}

/** A worker's configuration: everything that serves, nothing that exists once per appliance. */
function servingOnly(config: ApplianceConfig): ApplianceConfig {
  const { bgp: _bgp, control: _control, fill: _fill, chaos: _chaos, ...serving } = config;
  return serving;
}

function parseWorkers(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw configError(`--workers must be 'auto' or 1-256, got "${value}"`);
  }
  return n;
}
