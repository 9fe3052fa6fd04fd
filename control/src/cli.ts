// `ferry control`: opens the state store, loads signing keys (followed on change and on
// SIGHUP, which never ends control), serves the control API until SIGTERM/SIGINT, then
// closes the server before the store. SIGHUP also rereads the operator token file and the
// config file (--config): the log level is applied, other changed settings are logged as
// needing a restart.
import pino from 'pino';
import { type ChaosKey, loadChaosKey } from './chaos/chaos-key.js';
import { type ChaosPolicy, loadChaosPolicy } from './chaos/policy.js';
import { type ControlConfig, type ControlFlags, configFromFlags, diffConfig } from './config.js';
import { ControlKeyFile } from './keys/key-file.js';
import { buildControlApp } from './server/app.js';
import { openStore } from './state/open-store.js';

export async function runControl(flags: ControlFlags): Promise<void> {
  const config = configFromFlags(flags);
  const logger = pino(
    { level: config.logLevel, base: { role: 'control', pid: process.pid } },
    pino.destination({ dest: 2, sync: false }),
  );
  // Before anything slow: node's default for SIGHUP ends the process.
  let onHangup = () => logger.info('SIGHUP: no --token-key-file to reload');
  process.on('SIGHUP', () => onHangup());
  let keyFile: ControlKeyFile | undefined;
  if (config.tokenKeyFile) {
    keyFile = await ControlKeyFile.open(config.tokenKeyFile, logger);
    const file = keyFile;
    onHangup = () => void file.reload('SIGHUP');
  } else logger.warn('no --token-key-file: steering hands out unsigned URLs (appliances must run --open)');

  // Both read before the store opens: a bad file is a usage error, not a half-started control.
  const chaosKey: ChaosKey | undefined = config.chaos.keyFile
    ? await loadChaosKey(config.chaos.keyFile)
    : undefined;
  const chaosPolicy: ChaosPolicy | undefined = config.chaos.policyFile
    ? await loadChaosPolicy(config.chaos.policyFile)
    : undefined;
  if (chaosKey) {
    logger.info(
      { chaosPublicKey: chaosKey.publicKey, schedule: config.chaos.policyFile ?? null },
      'chaos on: orders are signed with this key; appliances take it as --chaos-verify-key',
    );
    process.stderr.write(`ferry control chaos key: ${chaosKey.publicKey} (appliances: --chaos-verify-key)\n`);
  }

  const store = await openStore({ db: config.db, redis: config.redis, logger });
  let control: Awaited<ReturnType<typeof buildControlApp>>;
  try {
    control = await buildControlApp({
      config,
      store,
      keys: keyFile?.ring,
      logger,
      defaultMetrics: true,
      ...(chaosKey ? { chaosKey: chaosKey.key } : {}),
      ...(chaosPolicy ? { chaosPolicy } : {}),
    });
    keyFile?.countReloadsIn(control.metrics.keyReloads);
    await control.app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await store.close();
    throw err;
  }

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) {
      process.stderr.write('ferry: exiting without waiting for the close to finish\n');
      process.exit(1);
    }
    stopping = true;
    logger.info({ why }, 'shutting down');
    keyFile?.stop();
    try {
      await control.close();
      await store.close();
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exitCode = 1;
    }
    logger.flush(() => process.exit());
  };
  // SIGHUP rereads the operator token file at once (it is also polled for changes).
  process.on('SIGHUP', () => void control.access.reload());
  process.on('SIGHUP', () => void rereadSettings(config, flags.rereadConfig, logger));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const addr = control.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  logger.info({ backend: store.backend, url: `http://${host}:${port}` }, 'control serving');
  // Readiness line for scripts and humans; the service log is JSON on stderr too.
  process.stderr.write(`ferry control serving on http://${host}:${port}\n`);
}

/** SIGHUP with --config: the file read again; the log level applies at once, the rest at the next start. */
async function rereadSettings(
  running: ControlConfig,
  reread: ControlFlags['rereadConfig'],
  logger: pino.Logger,
): Promise<void> {
  if (!reread) return;
  let next: ControlConfig;
  try {
    next = configFromFlags((await reread()) as ControlFlags);
  } catch (err) {
    logger.error(
      { err: (err as Error).message },
      'SIGHUP: config file not applied, the running settings stay',
    );
    return;
  }
  const changed = diffConfig(running, next);
  const restart = changed.filter((k) => k !== 'logLevel');
  if (changed.includes('logLevel')) {
    running.logLevel = next.logLevel;
    logger.level = next.logLevel;
    logger.info({ logLevel: next.logLevel }, 'SIGHUP: log level applied');
  }
  if (restart.length > 0) {
    logger.warn({ settings: restart }, 'SIGHUP: changed settings that need a restart; left as they are');
  } else logger.info('SIGHUP: config file reread');
}
