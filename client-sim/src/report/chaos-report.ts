// The chaos part of a fleet report: every experiment the run saw, with the analysis of what
// it did to the viewers when it ran (chaos-analysis.ts) or, when it never ran, nothing but
// the experiment itself (its state and refusal say why).
import type { ChaosExperiment } from '@ferry/protocol';
import type { SessionQoe } from '../player/qoe.js';
import {
  type AnalyzeExperimentOptions,
  analyzeExperiment,
  DEFAULT_SETTLE_MS,
  type ExperimentAnalysis,
} from './chaos-analysis.js';
import { experimentRan, experimentWindow } from './chaos-window.js';

/** Control saw an appliance's health change at this wall-clock time (a health watcher's record fits). */
export interface ObservedHealthChange {
  applianceId: string;
  /** unix ms */
  atMs: number;
  /** the new health; a change to 'healthy' is a recovery, not a detection */
  to?: string;
}

export interface ChaosReportOptions extends Omit<AnalyzeExperimentOptions, 'healthChangeAtMs'> {
  /** health changes to time each experiment's detection by: the first on a target after its start */
  healthChanges?: readonly ObservedHealthChange[];
}

export interface ExperimentReport {
  experiment: ChaosExperiment;
  /** absent when the experiment never ran (refused, or planned and not started) */
  analysis?: ExperimentAnalysis;
}

export function analyzeExperiments(
  sessions: readonly SessionQoe[],
  experiments: readonly ChaosExperiment[],
  opts: ChaosReportOptions = {},
): ExperimentReport[] {
  const { healthChanges = [], ...rest } = opts;
  return experiments.map((experiment) => {
    if (!experimentRan(experiment)) return { experiment };
    const { startMs, endMs } = experimentWindow(experiment);
    // Only inside the window and its settle time: a later experiment's detection is not this one's.
    const until = endMs + (rest.settleMs ?? DEFAULT_SETTLE_MS);
    const detected = healthChanges
      .filter(
        (h) =>
          h.to !== 'healthy' &&
          h.atMs >= startMs &&
          h.atMs <= until &&
          experiment.appliances.includes(h.applianceId),
      )
      .reduce<number | undefined>(
        (first, h) => (first === undefined || h.atMs < first ? h.atMs : first),
        undefined,
      );
    const analysis = analyzeExperiment(sessions, experiment, {
      ...rest,
      ...(detected === undefined ? {} : { healthChangeAtMs: detected }),
    });
    return { experiment, analysis };
  });
}
