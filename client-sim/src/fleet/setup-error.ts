// Why a fleet could not start: bad flags, a bad source CIDR, control unreachable or not
// knowing a title. Thrown before any viewer starts; failures during the run are never
// thrown, they are in the QoE records.
import type { SimErrors } from '../errors.js';

export type FleetSetupCode = (typeof SimErrors)['USAGE' | 'CONTROL']['code'];

export class FleetSetupError extends Error {
  readonly code: FleetSetupCode;

  constructor(code: FleetSetupCode, message: string) {
    super(message);
    this.name = 'FleetSetupError';
    this.code = code;
  }
}
