// @ferry/bench: the benchmarks behind `ferry bench NAME`, each side by side with its anchor.
export { type BenchBgpOptions, runBenchBgp } from './bgp/cli.js';
export { type BenchChaosOptions, runBenchChaos } from './chaos/cli.js';
export { type BenchDataplaneOptions, runBenchDataplane } from './dataplane/cli.js';
export { type BenchFailoverOptions, runBenchFailover } from './failover/cli.js';
export { type BenchSteeringOptions, runBenchSteering } from './steering/cli.js';
