// The `ferry` command: one module per command under commands/ declares its flags (they are
// part of DESIGN's CLI contract); each action loads its implementation lazily.
import { Command } from 'commander';
import { addAnnounceCommand } from './commands/announce.js';
import { addApplianceCommand } from './commands/appliance.js';
import { addBenchCommand } from './commands/bench.js';
import { addContentCommand } from './commands/content.js';
import { addControlCommand } from './commands/control.js';
import { addDemoCommand } from './commands/demo.js';
import { addKeysCommand } from './commands/keys.js';
import { addSimCommand } from './commands/sim.js';

export function buildProgram(): Command {
  const program = new Command('ferry')
    .description('Ferry: edge appliances, a control service, a device simulator and benchmarks')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(`ferry: ${str.replace(/^error: /, '')}`) });

  addApplianceCommand(program);
  addAnnounceCommand(program);
  addControlCommand(program);
  addContentCommand(program);
  addKeysCommand(program);
  addSimCommand(program);
  addBenchCommand(program);
  addDemoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`ferry: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
