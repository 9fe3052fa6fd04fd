// Operators' admin state (docs/control.md "Admin state"): drain and undrain an appliance,
// schedule and cancel its maintenance window. Each call writes the store first (straight
// through, as enrollment does: a store that is away answers 503 and nothing changes), then
// the model, which steering and heartbeat replies read at once, then the event log. A timer
// logs each window's start and end and drops a window that is over.
import type { AdminStateView, MaintenanceRequest } from '@ferry/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { Errors, FerryError } from '../errors.js';
import { KeyedQueue } from '../ingest/keyed-queue.js';
import type { ControlModel } from '../model/model.js';
import type { AdminRecord, StateStore } from '../state/store.js';
import { iso, windowProblem, windowStep } from './window.js';

export interface AdminServiceOptions {
  store: StateStore;
  model: ControlModel;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** how often windows are checked for their start and end (default 1000 ms) */
  tickMs?: number;
}

export class AdminService {
  private readonly queue = new KeyedQueue();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly opts: AdminServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  view(id: string): AdminStateView {
    this.known(id);
    return this.opts.model.admin.view(id, this.now());
  }

  drain(id: string, by: string, reason = ''): Promise<AdminStateView> {
    return this.change(id, async (rec, now) => {
      if (rec.drain) return undefined;
      return {
        next: { ...rec, drain: { reason, by, sinceMs: now } },
        event: { kind: 'admin-drain', reason: reason || `drained by ${by}` },
      };
    });
  }

  undrain(id: string, by: string): Promise<AdminStateView> {
    return this.change(id, async (rec) => {
      if (!rec.drain) return undefined;
      return {
        next: { ...rec, drain: null },
        event: { kind: 'admin-undrain', reason: `undrained by ${by}` },
      };
    });
  }

  schedule(id: string, by: string, req: MaintenanceRequest): Promise<AdminStateView> {
    return this.change(id, async (rec, now) => {
      const problem = windowProblem(req, now);
      if (problem) throw new FerryError(Errors.MAINTENANCE_INVALID, problem);
      const window = { startMs: req.startMs, endMs: req.endMs, reason: req.reason ?? '', by };
      return {
        next: { ...rec, maintenance: window },
        event: {
          kind: 'maintenance-scheduled',
          reason: `${iso(req.startMs)} to ${iso(req.endMs)}${req.reason ? `: ${req.reason}` : ''} (by ${by})`,
          detail: { startMs: req.startMs, endMs: req.endMs },
        },
      };
    });
  }

  cancel(id: string, by: string): Promise<AdminStateView> {
    return this.change(id, async (rec) => {
      const w = rec.maintenance;
      if (!w) return undefined;
      return {
        next: { ...rec, maintenance: null },
        event: {
          kind: 'maintenance-cancelled',
          reason: `${iso(w.startMs)} to ${iso(w.endMs)} cancelled by ${by}`,
          detail: { startMs: w.startMs, endMs: w.endMs },
        },
      };
    });
  }

  /** Throws UNKNOWN_APPLIANCE for an id neither enrolled nor heard from. */
  private known(id: string): void {
    const { model } = this.opts;
    if (!model.getAppliance(id) && !model.identities.get(id))
      throw new FerryError(Errors.UNKNOWN_APPLIANCE, id);
  }

  private change(
    id: string,
    decide: (
      rec: AdminRecord,
      nowMs: number,
    ) => Promise<
      | { next: AdminRecord; event: { kind: string; reason: string; detail?: Record<string, unknown> } }
      | undefined
    >,
  ): Promise<AdminStateView> {
    this.known(id);
    return this.queue.run(id, async () => {
      const { model, store, logger } = this.opts;
      const now = this.now();
      const rec = model.admin.get(id) ?? { id, drain: null, maintenance: null };
      const out = await decide(rec, now);
      // Unchanged (undrain when not drained, drain when drained): the same answer, no event.
      if (out) {
        await store.putAdmin(out.next);
        model.admin.set(out.next);
        logger.info({ appliance: id, kind: out.event.kind, reason: out.event.reason }, 'admin state changed');
        await store.appendEvent({ timeMs: now, applianceId: id, ...out.event });
      }
      return model.admin.view(id, now);
    });
  }

  /** One pass over the windows: bounded by the appliances with admin state, one write each at most. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const rec of this.opts.model.admin.list()) {
        if (windowStep(rec, this.now()) === undefined) continue;
        await this.queue
          .run(rec.id, () => this.step(rec.id))
          .catch((err: unknown) => {
            // A store that is away is the store's to report; the step waits for it.
            const away = err instanceof FerryError && err.code === Errors.STORE_UNAVAILABLE.code;
            this.opts.logger[away ? 'debug' : 'warn'](
              { err, appliance: rec.id },
              'maintenance window step failed; retried next tick',
            );
          });
      }
    } finally {
      this.ticking = false;
    }
  }

  private async step(id: string): Promise<void> {
    const { model, store, logger } = this.opts;
    // The store's copy decides: with several control instances, the first one to take the
    // step writes it and the others find it done.
    const stored = await store.getAdmin(id);
    const now = this.now();
    const step = stored ? windowStep(stored, now) : undefined;
    if (!stored || !step || !stored.maintenance) {
      if (stored) model.admin.set(stored);
      else model.admin.remove(id);
      return;
    }
    const w = stored.maintenance;
    const next: AdminRecord =
      step === 'ended'
        ? { ...stored, maintenance: null }
        : { ...stored, maintenance: { ...w, startedLogged: true } };
    await store.putAdmin(next);
    model.admin.set(next);
    const kind = step === 'ended' ? 'maintenance-ended' : 'maintenance-started';
    const reason =
      step === 'ended'
        ? `window ${iso(w.startMs)} to ${iso(w.endMs)} is over${stored.drain ? '; the operator drain stays' : ''}`
        : `window until ${iso(w.endMs)}${w.reason ? `: ${w.reason}` : ''}`;
    logger.info({ appliance: id, kind, reason }, 'maintenance window');
    await store.appendEvent({
      timeMs: now,
      applianceId: id,
      kind,
      reason,
      detail: { startMs: w.startMs, endMs: w.endMs },
    });
  }
}
