// @ferry/harness: what starts and stops real processes for the demo, the benchmarks and the
// tests: child processes tracked and stopped by pid, free loopback ports, bounded waits, a
// private BIRD 2, redis-server and S3 server (s3rver), and the multi-process deployment (control, appliances,
// BGP feeds) with an audience of simulated viewers.
export * from './audience.js';
export * from './bird.js';
export * from './deployment.js';
export * from './eventually.js';
export * from './fixtures.js';
export * from './game-day.js';
export * from './game-day-run.js';
export * from './health-watch.js';
export * from './origin-upload.js';
export * from './ports.js';
export * from './processes.js';
export * from './redis-server.js';
export * from './s3-server.js';
export * from './self-signed-cert.js';
export * from './topology.js';
export * from './turnup-wait.js';
