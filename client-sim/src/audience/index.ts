export * from './arrivals.js';
export * from './plan.js';
export * from './settings.js';
export * from './zipf.js';
