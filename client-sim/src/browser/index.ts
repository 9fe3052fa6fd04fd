// Real players in headless Chromium: the page, its server, the runner, and their QoE.
export * from './appliances.js';
export * from './chromium.js';
export * from './errors.js';
export * from './page-metrics.js';
export * from './page-server.js';
export * from './players.js';
export * from './sim.js';
export * from './table.js';
export * from './to-qoe.js';
