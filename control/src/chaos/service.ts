// The chaos use case (DESIGN flow 6, docs/chaos.md): experiments asked for by an operator or
// the schedule pass the safety rules or are recorded as refused; a timer starts planned ones
// (checking the rules again), ends those whose time is up, and aborts every experiment when
// control's own signals cross a threshold. The orders themselves go out with heartbeats
// (on-heartbeat.ts). Clock and randomness are injectable for tests.
import type { KeyObject } from 'node:crypto';
import { type ChaosExperimentRequest, seededRandom } from '@ferry/protocol';
import type { ControlConfig } from '../config.js';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { isFinal } from '../state/experiment-merge.js';
import type { ExperimentRecord, StateStore } from '../state/store.js';
import type { RankDecision } from '../steering/rank.js';
import { type AbortReason, AbortWatch } from './abort-watch.js';
import { type ChaosLogger, ExperimentJournal } from './journal.js';
import { ChaosHeartbeats } from './on-heartbeat.js';
import type { ChaosPolicy } from './policy.js';
import { planExperiment } from './request.js';
import { checkSafety, type Refusal, type SafetyRule } from './safety.js';
import { ChaosSchedule } from './schedule.js';
import * as T from './transitions.js';

/** The counters chaos keeps (server/metrics.ts makes them Prometheus metrics). */
export interface ChaosCounters {
  experiments: { inc(labels: { kind: string; outcome: 'accepted' | 'refused' | 'ended' | 'aborted' }): void };
  refusals: { inc(labels: { rule: SafetyRule }): void };
  aborts: { inc(labels: { reason: 'operator' | AbortReason }): void };
}

export interface ChaosServiceOptions {
  store: StateStore;
  model: ControlModel;
  config: Pick<ControlConfig, 'chaos' | 'fallbackSites'>;
  /** signs the orders; without it the chaos API answers 503 and no orders go out */
  key?: KeyObject;
  policy?: ChaosPolicy;
  logger: ChaosLogger;
  counters: ChaosCounters;
  /** false while a shared store is away: new experiments wait for it (every instance must see them) */
  storeUp?(): boolean;
  now?(): number;
  /** for the schedule; default seeded by the policy's seed, else Math.random */
  random?(): number;
  /** how often the timer looks (default 250 ms) */
  tickMs?: number;
}

export interface Caller {
  source: ExperimentRecord['source'];
  createdBy: string;
}

/** Lock name: safety checks and the writes they justify run one at a time in this instance. */
const SAFETY_TURN = 'chaos:safety';

export class ChaosService {
  readonly watch: AbortWatch;
  readonly heartbeats: ChaosHeartbeats | undefined;
  private readonly journal: ExperimentJournal;
  private readonly now: () => number;
  private schedule: ChaosSchedule | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly opts: ChaosServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.watch = new AbortWatch(opts.config.chaos.abort, this.now);
    this.journal = new ExperimentJournal(opts);
    this.heartbeats = opts.key
      ? new ChaosHeartbeats({
          ...opts,
          journal: this.journal,
          watch: this.watch,
          key: opts.key,
          leaseMs: opts.config.chaos.leaseMs,
          now: this.now,
        })
      : undefined;
  }

  get configured(): boolean {
    return this.opts.key !== undefined;
  }

  private requireConfigured(): void {
    if (!this.configured) throw new FerryError(Errors.CHAOS_NOT_CONFIGURED);
  }

  start(): void {
    if (!this.configured || this.timer) return;
    const { policy } = this.opts;
    if (policy) {
      const random =
        this.opts.random ?? (policy.seed !== undefined ? seededRandom(policy.seed) : Math.random);
      this.schedule = new ChaosSchedule(policy, random, this.now());
      this.opts.logger.info({ nextDue: this.schedule.nextDue() }, 'chaos schedule loaded');
    }
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** When each enabled scope of the schedule comes due next (ms since epoch); {} without one. */
  nextDue(): Record<string, number> {
    return this.schedule?.nextDue() ?? {};
  }

  noteDecision(decision: RankDecision): void {
    this.watch.noteDecision(decision);
  }

  private others(exp: ExperimentRecord): ExperimentRecord[] {
    return this.opts.model.experiments.active().filter((e) => e.id !== exp.id);
  }

  private check(exp: ExperimentRecord): Promise<Refusal | undefined> {
    const { model, config } = this.opts;
    return checkSafety({
      model,
      exp,
      others: this.others(exp),
      maxSiteShare: config.chaos.maxSiteShare,
      fallbackSites: config.fallbackSites,
    });
  }

  /** Records a refusal, counted and logged by the instance that made it. */
  private async refuse(exp: ExperimentRecord, refusal: Refusal, now: number): Promise<ExperimentRecord> {
    const wasPlanned = this.opts.model.experiments.get(exp.id) !== undefined;
    const t = T.refuse(exp, refusal, now, wasPlanned);
    if (await this.journal.commit(t)) {
      this.opts.counters.experiments.inc({ kind: exp.kind, outcome: 'refused' });
      this.opts.counters.refusals.inc({ rule: refusal.rule });
      this.opts.logger.warn(
        { experiment: exp.id, rule: refusal.rule, why: refusal.message },
        'chaos experiment refused',
      );
    }
    return this.opts.model.experiments.get(exp.id) ?? t.next;
  }

  /** Plans, checks and records one experiment; a refusal is recorded and returned beside it. */
  async submit(
    req: ChaosExperimentRequest,
    caller: Caller,
  ): Promise<{ exp: ExperimentRecord; refusal?: Refusal }> {
    this.requireConfigured();
    if (this.opts.storeUp && !this.opts.storeUp()) {
      throw new FerryError(
        Errors.STORE_UNAVAILABLE,
        'new chaos experiments wait until every instance can see them',
      );
    }
    const now = this.now();
    const planned = planExperiment({ req, model: this.opts.model, nowMs: now, ...caller });
    return this.journal.inTurn(SAFETY_TURN, async () => {
      const refusal = await this.check(planned);
      if (refusal) return { exp: await this.refuse(planned, refusal, now), refusal };
      const t = T.accept(planned, this.opts.model, now);
      await this.journal.commit(t);
      this.opts.counters.experiments.inc({ kind: planned.kind, outcome: 'accepted' });
      this.opts.logger.info(
        {
          experiment: planned.id,
          kind: planned.kind,
          appliances: planned.appliances,
          state: t.next.state,
          by: caller.createdBy,
        },
        'chaos experiment accepted',
      );
      return { exp: this.opts.model.experiments.get(planned.id) ?? t.next };
    });
  }

  /** Aborts one experiment; one already over is returned as it is. */
  async abort(
    id: string,
    reason: string,
    by: 'operator' | AbortReason = 'operator',
  ): Promise<ExperimentRecord> {
    this.requireConfigured();
    const done = await this.abortOne(id, reason, by);
    if (!done) throw new FerryError(Errors.CHAOS_UNKNOWN_EXPERIMENT, id);
    if (done.made) this.opts.counters.aborts.inc({ reason: by });
    return done.exp;
  }

  private abortOne(
    id: string,
    reason: string,
    by: 'operator' | AbortReason,
    detail: Record<string, unknown> = {},
  ): Promise<{ exp: ExperimentRecord; made: boolean } | undefined> {
    return this.journal.inTurn(id, async () => {
      const { model, counters, logger } = this.opts;
      const exp = model.experiments.get(id);
      if (!exp) return undefined;
      if (isFinal(exp.state)) return { exp, made: false };
      const t = T.abort(exp, reason, { by, ...detail }, this.now());
      const made = await this.journal.commit(t);
      if (made) {
        counters.experiments.inc({ kind: exp.kind, outcome: 'aborted' });
        logger.warn({ experiment: id, kind: exp.kind, by, reason }, 'chaos experiment aborted');
      }
      return { exp: model.experiments.get(id) ?? t.next, made };
    });
  }

  /** Aborts every planned and running experiment at once; returns those it aborted. */
  async abortAll(
    reason: string,
    by: 'operator' | AbortReason = 'operator',
    detail: Record<string, unknown> = {},
  ): Promise<ExperimentRecord[]> {
    this.requireConfigured();
    const active = this.opts.model.experiments.active();
    const done = await Promise.all(active.map((e) => this.abortOne(e.id, reason, by, detail)));
    const aborted = done.filter((d) => d?.made).map((d) => (d as { exp: ExperimentRecord }).exp);
    if (aborted.length > 0) this.opts.counters.aborts.inc({ reason: by });
    return aborted;
  }

  /** One look of the timer: starts, ends, abort conditions, the schedule. Never overlaps itself. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      const due = this.opts.model.experiments
        .active()
        .sort((a, b) => a.startAtMs - b.startAtMs)
        .filter((e) => e.endsAtMs <= now || (e.state === 'planned' && e.startAtMs <= now));
      for (const e of due) await this.advance(e.id);
      if (this.opts.model.experiments.running().length > 0) {
        const verdict = this.watch.verdict();
        if (verdict) {
          this.opts.logger.warn(
            { reason: verdict.reason, ...verdict.detail },
            `chaos abort: ${verdict.message}`,
          );
          await this.abortAll(verdict.message, verdict.reason, verdict.detail);
        }
      }
      await this.runSchedule(now);
    } catch (err) {
      this.opts.logger.error({ err }, 'chaos timer failed; trying again at the next tick');
    } finally {
      this.ticking = false;
    }
  }

  /** Starts a planned experiment (the rules again) or ends one whose time is up. */
  private advance(id: string): Promise<void> {
    return this.journal.inTurn(SAFETY_TURN, () =>
      this.journal.inTurn(id, async () => {
        const { model, counters, logger } = this.opts;
        const exp = model.experiments.get(id);
        const now = this.now();
        if (!exp || isFinal(exp.state)) return;
        if (exp.endsAtMs <= now) {
          if (await this.journal.commit(T.end(exp, now))) {
            counters.experiments.inc({ kind: exp.kind, outcome: 'ended' });
            logger.info(
              { experiment: id, kind: exp.kind, ran: exp.state === 'running' },
              'chaos experiment ended',
            );
          }
          return;
        }
        if (exp.state !== 'planned' || exp.startAtMs > now) return;
        const refusal = await this.check(exp);
        if (refusal) {
          await this.refuse(exp, refusal, now);
          return;
        }
        if (await this.journal.commit(T.start(exp, model, now))) {
          logger.info(
            { experiment: id, kind: exp.kind, appliances: exp.appliances },
            'chaos experiment started',
          );
        }
      }),
    );
  }

  private async runSchedule(now: number): Promise<void> {
    if (!this.schedule) return;
    const busy = new Set(this.opts.model.experiments.active().flatMap((e) => e.appliances));
    for (const step of this.schedule.due(now, this.opts.model, busy)) {
      if (!step.req) {
        this.opts.logger.info({ scope: step.scope, why: step.skipped }, 'chaos schedule: skipped');
        continue;
      }
      try {
        await this.submit(step.req, { source: 'schedule', createdBy: 'schedule' });
      } catch (err) {
        this.opts.logger.error({ err, scope: step.scope }, 'chaos schedule: submitting failed');
      }
    }
  }
}
