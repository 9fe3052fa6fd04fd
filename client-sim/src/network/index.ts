export * from './mix.js';
export * from './profiles.js';
export * from './random.js';
export * from './throttled-read.js';
export * from './token-bucket.js';
export * from './viewer-network.js';
