// `ferry content generate|add`: synthetic titles and appliance stores. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';
import { collect, parsePositiveInt, parsePositiveNumber } from '../parse.js';

export function addContentCommand(program: Command): void {
  const content = program.command('content').description('synthetic content and appliance stores');
  content
    .command('generate')
    .description('generate synthetic titles (bitrate ladder + audio) and catalog.json')
    .requiredOption('--out <dir>', 'output directory')
    .requiredOption('--titles <n>', 'number of titles', parsePositiveInt)
    .option('--minutes <m>', 'duration of each title in minutes', parsePositiveNumber, 1)
    .option('--seed <seed>', 'seed for the deterministic bytes', 'ferry')
    .action(async (opts) => {
      const { runContentGenerate } = await import('@ferry/appliance');
      await runContentGenerate(opts);
    });
  content
    .command('add')
    .description('place files into an appliance store (copied atomically, indexed with sha256)')
    .requiredOption('--store <dir>', 'store directory (repeatable, one per disk)', collect)
    .argument('<files...>', 'files to add; the file name is the file id')
    .action(async (files: string[], opts) => {
      const { runContentAdd } = await import('@ferry/appliance');
      await runContentAdd({ ...opts, files });
    });
}
