export * from './catalog.js';
export * from './cidr.js';
export * from './control-api.js';
export * from './ip-text.js';
export * from './keys.js';
export * from './rendezvous.js';
export * from './token.js';
