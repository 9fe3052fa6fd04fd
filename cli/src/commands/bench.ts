// `ferry bench dataplane|bgp|steering|failover`: each benchmark side by side with its anchor. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../parse.js';

export function addBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks, each side by side with its anchor');
  bench
    .command('dataplane')
    .description(
      'appliance vs nginx (sendfile on): 2 MiB x 16 conns and 64 KiB x 64 conns, sendfile and copy paths',
    )
    .option('--rounds <n>', 'alternating rounds per case', parsePositiveInt, 3)
    .option('--duration <seconds>', 'seconds per load run', parsePositiveInt, 8)
    .option('--tools <list>', 'load tools: autocannon,wrk', 'autocannon,wrk')
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchDataplane } = await import('@ferry/bench');
      await runBenchDataplane(opts);
    });

  bench
    .command('bgp')
    .description('full BGP table: appliance speaker + Adj-RIB-In vs BIRD (time, CPU, RSS)')
    .option('--routes <n>', 'IPv4 routes', parseNonNegativeInt, 1_000_000)
    .option('--ipv6 <n>', 'IPv6 routes', parseNonNegativeInt, 0)
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchBgp } = await import('@ferry/bench');
      await runBenchBgp(opts);
    });

  bench
    .command('steering')
    .description('control POST /v1/steer (appliances, 1M-prefix table, live heartbeats) vs bare fastify')
    .option('--appliances <n>', 'appliances, 5 per site', parsePositiveInt, 100)
    .option(
      '--prefixes <n>',
      'IPv4 /24s in the route table (plus /16 aggregates)',
      parsePositiveInt,
      1_000_000,
    )
    .option('--duration <seconds>', 'seconds per load run', parsePositiveInt, 10)
    .option('--rounds <n>', 'alternating rounds', parsePositiveInt, 3)
    .option('--connections <n>', 'autocannon connections', parsePositiveInt, 32)
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchSteering } = await import('@ferry/bench');
      await runBenchSteering(opts);
    });

  bench
    .command('failover')
    .description('kill -9 an appliance under an audience: detection time, time to move every viewer, stalls')
    .option('--sessions <n>', 'viewers', parsePositiveInt, 60)
    .option(
      '--duration <seconds>',
      'how long the audience plays (the kill is half-way)',
      parsePositiveInt,
      40,
    )
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchFailover } = await import('@ferry/bench');
      await runBenchFailover(opts);
    });
}
