// The health monitor's change of verdict, written where heartbeats are: the model first
// (steering sees it at once), then the log, the event log and the stored record.
import type { HealthStatus } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { ControlModel } from '../model/model.js';
import type { StateStore } from '../state/store.js';

export interface HealthVerdict {
  applianceId: string;
  from: HealthStatus;
  to: HealthStatus;
  reason: string;
}

export interface VerdictTarget {
  store: StateStore;
  model: ControlModel;
  logger: Logger;
}

/** Applies one verdict; the returned promise settles when the store has it (never rejects). */
export function recordHealthVerdict(target: VerdictTarget, v: HealthVerdict): Promise<void> {
  const { model, store, logger } = target;
  const { applianceId: id, from, to, reason } = v;
  model.setHealth(id, to, reason);
  logger.info({ appliance: id, from, to, reason }, 'appliance health changed');
  const rec = model.getAppliance(id);
  return Promise.all([
    rec ? store.putAppliance(rec) : undefined,
    store.appendEvent({ timeMs: Date.now(), applianceId: id, kind: 'health', from, to, reason }),
  ]).then(
    () => undefined,
    (err: unknown) => logger.error({ err, appliance: id, to }, 'recording a health change failed'),
  );
}
