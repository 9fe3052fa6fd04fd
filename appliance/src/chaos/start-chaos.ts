// The chaos executor of one appliance, from its configuration: the single process and the
// primary of a multi-process appliance build it alike and differ only in what the faults
// act on (their own content path, or the state they share with their workers) and in how
// a kill ends them.
import { parsePublicKey } from '@ferry/protocol';
import type { ApplianceConfig } from '../config.js';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import { ChaosExecutor } from './executor.js';
import type { FaultTargets } from './faults.js';

export interface StartChaosInput {
  config: ApplianceConfig;
  /** content, throttle, store, BGP and the kill; heartbeats and error logging are added here */
  targets: Omit<FaultTargets, 'heartbeats' | 'onError'>;
  /** the control agent once it runs (isolate suspends its heartbeats) */
  agent(): { suspendHeartbeats(): void; resumeHeartbeats(): void } | undefined;
  /** the boot id the heartbeats carry: orders are for one boot */
  boot(): string;
  metrics: ApplianceMetrics;
  logger: Logger;
}

export function startChaos(input: StartChaosInput): ChaosExecutor {
  const { config, logger } = input;
  return new ChaosExecutor({
    mode: config.chaos?.mode ?? 'off',
    // Checked by validateConfig: every key parses.
    verifyKeys: (config.chaos?.verifyKeys ?? []).map((k) => parsePublicKey(k)!),
    applianceId: config.id,
    boot: input.boot,
    targets: {
      ...input.targets,
      heartbeats: config.control
        ? {
            suspendHeartbeats: () => input.agent()?.suspendHeartbeats(),
            resumeHeartbeats: () => input.agent()?.resumeHeartbeats(),
          }
        : undefined,
      onError: (err, what) => logger.error({ err, part: 'chaos' }, `chaos: ${what} failed`),
    },
    metrics: input.metrics,
    logger,
  });
}
