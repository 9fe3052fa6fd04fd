// `ferry demo`: a small deployment from real processes. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';
import { parsePositiveInt } from '../parse.js';

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'control, three appliances in two sites with BGP feeds, an audience of viewers, one appliance killed half-way',
    )
    .option('--dir <dir>', 'working directory for the demo', '.ferry-demo')
    .option('--duration <seconds>', 'how long the audience plays', parsePositiveInt, 60)
    .option('--sessions <n>', 'viewers', parsePositiveInt, 30)
    .action(async (opts) => {
      const { runDemo } = await import('../demo.js');
      await runDemo(opts);
    });
}
