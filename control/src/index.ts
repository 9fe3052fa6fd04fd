// @ferry/control: the control service. Other packages start it as a process (`ferry
// control`) or embed its app; they talk to it over HTTP through @ferry/protocol's client.

export {
  operatorClient,
  runApplianceAdd,
  runApplianceList,
  runApplianceRemove,
  runApplianceSetDisabled,
} from './auth/appliance-cli.js';
export { createTokenInFile, runTokenCreate, runTokenList, runTokenRevoke } from './auth/token-cli.js';
export { runControl } from './cli.js';
export { type ControlConfig, type ControlFlags, configFromFlags, DEFAULTS } from './config.js';
export { buildControlApp, type ControlApp, type ControlAppOptions } from './server/app.js';
export { openStore } from './state/open-store.js';
export type { StateStore } from './state/store.js';
