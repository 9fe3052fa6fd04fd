// Control's health verdict for an appliance (DESIGN flow 4), one enum from evaluation to the
// stored record to steering and the views devices and operators read.
import { type Static, Type } from 'typebox';

export const HealthStatus = Type.Union([
  Type.Literal('unknown'),
  Type.Literal('healthy'),
  Type.Literal('degraded'),
  Type.Literal('unhealthy'),
  Type.Literal('draining'),
  Type.Literal('drained'),
]);
export type HealthStatus = Static<typeof HealthStatus>;

/** Healthy and degraded appliances take traffic; every other status keeps them out of steering. */
export function isServing(status: HealthStatus): boolean {
  return status === 'healthy' || status === 'degraded';
}
