// `ferry appliance`: start, then drain and exit on SIGTERM/SIGINT or POST /v1/drain?exit=true.
import { startAppliance } from './app.js';
import { type ApplianceFlags, configFromFlags } from './config.js';

export async function runAppliance(flags: ApplianceFlags): Promise<void> {
  const config = configFromFlags(flags);
  let stopRequested = false;
  const app = await startAppliance(config, { onDrainedExit: () => shutdown('drain request') });
  async function shutdown(why: string) {
    if (stopRequested) {
      // A second signal while draining means: stop waiting.
      process.stderr.write('ferry: exiting without waiting for the drain to finish\n');
      process.exit(1);
    }
    stopRequested = true;
    app.logger.info({ why }, 'shutting down');
    await app.stop();
    app.logger.flush(() => process.exit(0));
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Readiness line for scripts and humans; the service log goes to stderr.
  process.stderr.write(`ferry appliance ${config.id} serving on ${app.url}\n`);
}
