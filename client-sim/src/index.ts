// @ferry/client-sim: simulated devices that steer, play with adaptive bitrate, fail over
// down the ranked URLs and record what a viewer would have seen.
export * from './abr/index.js';
export * from './audience/index.js';
export * from './browser/index.js';
export * from './errors.js';
export * from './fleet/cli.js';
export * from './fleet/fleet.js';
export * from './fleet/fleet-threads.js';
export * from './fleet/self-load.js';
export * from './fleet/setup-error.js';
export * from './fleet/source-addresses.js';
export * from './fleet/summary.js';
export * from './fleet/titles.js';
export * from './network/index.js';
export * from './network/link.js';
export * from './player/buffer.js';
export * from './player/clock.js';
export * from './player/exclusion.js';
export * from './player/failover.js';
export type * from './player/qoe.js';
export * from './player/segment-fetch.js';
export * from './player/session.js';
export * from './player/steer-client.js';
export * from './report/index.js';
