// The chaos part of a fleet report: every experiment the run saw, with the analysis of what
// it did to the viewers when it ran (chaos-analysis.ts) or, when it never ran, nothing but
// the experiment itself (its state and refusal say why).
import type { ChaosExperiment } from '@ferry/protocol';
import type { SessionQoe } from '../player/qoe.js';
import {
  type AnalyzeExperimentOptions,
  analyzeExperiment,
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
    const { startMs } = experimentWindow(experiment);
    const detected = healthChanges
      .filter((h) => h.to !== 'healthy' && h.atMs >= startMs && experiment.appliances.includes(h.applianceId))
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
