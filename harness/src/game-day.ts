// A game day: chaos experiments submitted to control at fixed points of a run, as an operator
// would with `ferry chaos run`. Control checks each against its safety rules and has the
// target's agent carry it out; the harness only asks. Used by `ferry demo` and
// `ferry bench chaos`.
import type { ChaosExperiment, ChaosExperimentRequest } from '@ferry/protocol';

export interface GameDayStep {
  /** seconds from the start of the run */
  atSec: number;
  /** the experiment; with `busiestIn`, its target is chosen when it is due */
  request: ChaosExperimentRequest;
  /**
   * Aim at the site's appliance that has been sending the most (healthy, serving, chaos on):
   * the one whose viewers an experiment would touch, as a game day means to.
   */
  busiestIn?: string;
}

/** What the game day needs of control (ControlClient has it). */
export interface ChaosApi {
  runChaos(req: ChaosExperimentRequest): Promise<ChaosExperiment>;
}

/** Chooses a `busiestIn` step's target when it is due (HealthWatch.busiest fits). */
export type TargetPicker = (site: string) => string | undefined;

/**
 * One latency, one throttle, one BGP flap and one kill, one after another in four equal slots
 * between 10 % and 90 % of the run, each lasting 70 % of its slot (at least 2 s): never two at
 * once, so a site of three keeps two thirds of its capacity. The kill comes last, so the
 * killed appliance's restart does not overlap another experiment.
 */
export function defaultGameDay(durationSec: number, site: string): GameDayStep[] {
  const slot = (durationSec * 0.8) / 4;
  const len = Math.max(2, Math.floor(slot * 0.7));
  const at = (i: number) => Math.round(durationSec * 0.1 + i * slot);
  const reason = 'game day';
  const step = (i: number, request: Omit<ChaosExperimentRequest, 'durationSec' | 'reason' | 'target'>) => ({
    atSec: at(i),
    request: { ...request, target: { site }, durationSec: len, reason },
    busiestIn: site,
  });
  return [
    step(0, { kind: 'latency', params: { delayMs: 400, jitterMs: 100 } }),
    // 16 Mb/s for the whole appliance: less than its viewers' top bitrates together.
    step(1, { kind: 'throttle', params: { bytesPerSec: 2_000_000 } }),
    step(2, { kind: 'bgp-flap', params: { downSec: Math.max(1, Math.round(len / 2)) } }),
    step(3, { kind: 'kill' }),
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
  opts: { say?: (line: string) => void; startedAtMs?: number; pick?: TargetPicker } = {},
): GameDayRun {
  const started = opts.startedAtMs ?? Date.now();
  const outcomes: GameDayRun['outcomes'] = [];
  const cancels: (() => void)[] = [];
  const pending = steps.map(
    (step) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            const t = () => Math.round((Date.now() - started) / 1000);
            void submit(api, step, opts.pick).then(
              ({ request, experiment }) => {
                outcomes.push({ step, experiment });
                opts.say?.(
                  `[${t()} s] chaos: ${describe(request)} for ${request.durationSec} s (${experiment.id}, ${experiment.state})`,
                );
                resolve();
              },
              (err: unknown) => {
                const error = err instanceof Error ? err.message : String(err);
                outcomes.push({ step, error });
                opts.say?.(`[${t()} s] chaos: ${describe(step.request)} not run: ${error}`);
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

function describe(r: ChaosExperimentRequest): string {
  return `${r.kind} on ${r.target.appliance ?? r.target.site}`;
}

async function submit(api: ChaosApi, step: GameDayStep, pick: TargetPicker | undefined) {
  let request = step.request;
  if (step.busiestIn) {
    if (!pick) throw new Error('a step aimed at the busiest appliance needs a target picker');
    const target = pick(step.busiestIn);
    if (!target) throw new Error(`no healthy appliance in ${step.busiestIn} to aim at`);
    request = { ...request, target: { appliance: target } };
  }
  return { request, experiment: await api.runChaos(request) };
}
