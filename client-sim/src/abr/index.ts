export * from './bola.js';
export * from './choose-bitrate.js';
export * from './throughput-estimator.js';
export * from './throughput-rule.js';
