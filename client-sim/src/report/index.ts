export * from './aggregate.js';
export * from './html.js';
export * from './percentiles.js';
export * from './session-window.js';
export * from './svg-chart.js';
export * from './write.js';
