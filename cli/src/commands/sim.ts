// `ferry sim`: a fleet of simulated viewers. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';
import { parsePositiveInt, parsePositiveNumber } from '../parse.js';

export function addSimCommand(program: Command): void {
  program
    .command('sim')
    .description('a fleet of simulated viewers: steer, play with ABR, fail over; summary + HTML/JSON report')
    .requiredOption('--control <url>', 'control base URL, e.g. http://127.0.0.1:8000')
    .requiredOption('--sessions <n>', 'viewers', parsePositiveInt)
    .requiredOption('--duration <seconds>', 'length of the run; every session ends then', parsePositiveNumber)
    .option('--source-cidr <cidr>', 'IPv4 prefix of source addresses, one per session (e.g. 127.64.0.0/16)')
    .option('--titles <ids>', 'comma-separated title ids to play (round robin)')
    .option('--catalog <file>', 'catalog.json to take the title ids from (instead of --titles)')
    .option('--ramp <seconds>', 'spread session starts over this long (default duration/4, max 10)')
    .option('--report <file>', 'HTML report; the JSON goes beside it', 'sim-report.html')
    .option('--workers <n>', 'worker threads (default: one per 1000 sessions, at most one per core)')
    .action(async (opts) => {
      const { runSim } = await import('@ferry/client-sim');
      await runSim(opts);
    });
}
