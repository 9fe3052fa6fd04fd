// @ferry/bench: the benchmarks behind `ferry bench NAME`, each side by side with its anchor.
export { type BenchBgpOptions, runBenchBgp } from './bgp/cli.js';
export { type BenchChaosOptions, runBenchChaos } from './chaos/cli.js';
export { type BenchDataplaneOptions, runBenchDataplane } from './dataplane/cli.js';
export { type BenchFailoverOptions, runBenchFailover } from './failover/cli.js';
export { type BenchFillOptions, runBenchFill } from './fill/cli.js';
// A loopback S3 origin for benches and tests: s3rver in a child process, and a proxy in front
// of an origin that counts the requests and bytes it serves.
export {
  type CountingProxy,
  type MethodCounts,
  originReads,
  type ProxiedRequest,
  startCountingProxy,
} from './fill/counting-proxy.js';
export { type BenchSteeringOptions, runBenchSteering } from './steering/cli.js';
