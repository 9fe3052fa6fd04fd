// The shared start of `ferry appliance` and `ferry control`: the settings merged from
// --config and the command line, --print-config, and their configuration errors reported
// as usage errors (exit 2, with the pointer to --help).
import type { Command } from 'commander';
import { type Merged, mergeConfig } from './config-file.js';
import { UsageError } from './usage.js';

/** The merged settings, or undefined once --print-config has printed them. */
async function settingsOrPrint(cmd: Command): Promise<Merged | undefined> {
  const merged = await mergeConfig(cmd);
  if (cmd.getOptionValue('printConfig') === true) {
    process.stdout.write(`${JSON.stringify(merged.asFile, null, 2)}\n`);
    return undefined;
  }
  return merged;
}

/** Settings the server refuses at start (FERRY_ERR_CONFIG, FERRY_ERR_BGP_CONFIG) are usage errors of `cmd`. */
async function asUsage(cmd: Command, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'FERRY_ERR_CONFIG' || e.code === 'FERRY_ERR_BGP_CONFIG') {
      throw new UsageError(cmd, e.message ?? String(err), e.code);
    }
    throw err;
  }
}

/**
 * The action of a server command: the merged settings (or --print-config), then `run` with
 * them and the config file's reread for SIGHUP, its configuration errors as usage errors.
 */
export function serverAction(
  run: (flags: Merged['values'] & { rereadConfig: Merged['reread'] }) => Promise<void>,
): (opts: unknown, command: Command) => Promise<void> {
  return async (_opts, command) => {
    const settings = await settingsOrPrint(command);
    if (!settings) return;
    await asUsage(command, () => run({ ...settings.values, rereadConfig: settings.reread }));
  };
}
