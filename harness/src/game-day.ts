// A game day: chaos experiments submitted to control at fixed points of a run, as an operator
// would with `ferry chaos run`. Control checks each against its safety rules and has the
// target's agent carry it out; the harness only asks. Used by `ferry demo` and
// `ferry bench chaos`.
import type { ChaosExperiment, ChaosExperimentRequest } from '@ferry/protocol';

export interface GameDayStep {
  /** seconds from the start of the run */
  atSec: number;
  request: ChaosExperimentRequest;
}

/** What the game day needs of control (ControlClient has it). */
export interface ChaosApi {
  runChaos(req: ChaosExperimentRequest): Promise<ChaosExperiment>;
  listChaos(): Promise<ChaosExperiment[]>;
}

export interface GameDayTargets {
  /** three appliances of one site: one experiment at a time takes a third of it out */
  latency: string;
  throttle: string;
  bgpFlap: string;
  kill: string;
}

/**
 * One latency, one throttle, one BGP flap and one kill, one after another in four equal slots
 * between 10 % and 90 % of the run, each lasting 70 % of its slot (at least 2 s): never two at
 * once, so a site of three keeps two thirds of its capacity. The kill comes last, so the
 * killed appliance's restart does not overlap another experiment.
 */
export function defaultGameDay(durationSec: number, t: GameDayTargets): GameDayStep[] {
  const slot = (durationSec * 0.8) / 4;
  const len = Math.max(2, Math.floor(slot * 0.7));
  const at = (i: number) => Math.round(durationSec * 0.1 + i * slot);
  const reason = 'game day';
  const step = (i: number, request: Omit<ChaosExperimentRequest, 'durationSec' | 'reason'>) => ({
    atSec: at(i),
    request: { ...request, durationSec: len, reason },
  });
  return [
    step(0, { kind: 'latency', target: { appliance: t.latency }, params: { delayMs: 400, jitterMs: 100 } }),
    // 16 Mb/s for the whole appliance: less than its viewers' top bitrates together.
    step(1, { kind: 'throttle', target: { appliance: t.throttle }, params: { bytesPerSec: 2_000_000 } }),
    step(2, {
      kind: 'bgp-flap',
      target: { appliance: t.bgpFlap },
      params: { downSec: Math.max(1, Math.round(len / 2)) },
    }),
    step(3, { kind: 'kill', target: { appliance: t.kill } }),
  ];
}

export interface GameDayRun {
  /** stops the steps not yet submitted */
  cancel(): void;
  /** resolves when every step was submitted (or cancelled) */
  done: Promise<void>;
  /** each step's outcome: the experiment control recorded, or the error it answered */
  readonly outcomes: { step: GameDayStep; experiment?: ChaosExperiment; error?: string }[];
}

export function startGameDay(
  api: ChaosApi,
  steps: readonly GameDayStep[],
  opts: { say?: (line: string) => void; startedAtMs?: number } = {},
): GameDayRun {
  const started = opts.startedAtMs ?? Date.now();
  const outcomes: GameDayRun['outcomes'] = [];
  const cancels: (() => void)[] = [];
  const pending = steps.map(
    (step) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            const t = Math.round((Date.now() - started) / 1000);
            const what = `${step.request.kind} on ${step.request.target.appliance ?? step.request.target.site}`;
            api.runChaos(step.request).then(
              (experiment) => {
                outcomes.push({ step, experiment });
                opts.say?.(
                  `[${t} s] chaos: ${what} for ${step.request.durationSec} s (${experiment.id}, ${experiment.state})`,
                );
                resolve();
              },
              (err: unknown) => {
                const error = err instanceof Error ? err.message : String(err);
                outcomes.push({ step, error });
                opts.say?.(`[${t} s] chaos: ${what} not run: ${error}`);
                resolve();
              },
            );
          },
          Math.max(0, started + step.atSec * 1000 - Date.now()),
        );
        // cancel() resolves the steps that never ran.
        cancels.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  );
  return {
    outcomes,
    cancel: () => {
      for (const c of cancels) c();
    },
    done: Promise.all(pending).then(() => undefined),
  };
}
