// What this instance changed while its store was away, held until the store is back. Only
// keys are held for appliances, routes, inventory and the catalog: the in-memory model
// already has the latest value of each (a delta taken in memory is folded into the model's
// set), so write-back reads the model and memory stays one copy. Events have no other home
// and are kept in order up to a cap; beyond it the oldest go first and are counted.
//
// A key stays held until its write-back has landed, and a key changed again while its
// write-back was in flight stays held after it (each mark bumps a generation), so the
// change feed never lets an older stored copy replace the model's newer one in between.
import type { ControlEvent, StateChange } from './store.js';

/** Events held while the store is away; a flapping fleet for an hour stays well under it. */
export const DEFAULT_EVENT_CAP = 10_000;

/** A held key: what it names and the generation it had when handed out. */
export type HeldKey = { change: Exclude<StateChange, { kind: 'event' }>; generation: number };

function keyOf(change: StateChange): string | undefined {
  switch (change.kind) {
    case 'appliance':
      return `a:${change.id}`;
    case 'routes':
      return `r:${change.id}`;
    case 'inventory':
      return `i:${change.id}`;
    case 'catalog':
      return 'catalog';
    case 'identity':
      return `id:${change.id}`;
    case 'experiment':
      return `x:${change.id}`;
    case 'admin':
      return `ad:${change.id}`;
    case 'event':
      return undefined;
  }
}

export class PendingWrites {
  private readonly keys = new Map<string, HeldKey>();
  private generation = 0;
  private events: ControlEvent[] = [];
  /** events dropped since the last time nothing was held */
  droppedEvents = 0;

  constructor(private readonly eventCap = DEFAULT_EVENT_CAP) {}

  mark(change: StateChange): void {
    if (change.kind === 'event') {
      this.events.push(change.event);
      if (this.events.length > this.eventCap) {
        this.events.shift();
        this.droppedEvents++;
      }
      return;
    }
    const key = keyOf(change) as string;
    this.keys.set(key, { change, generation: ++this.generation });
  }

  /** True while a key holds a change the store has not seen: its stored copy is older. */
  holds(change: StateChange): boolean {
    const key = keyOf(change);
    return key !== undefined && this.keys.has(key);
  }

  get size(): number {
    return this.keys.size + this.events.length;
  }

  /** The held keys, appliances first so a reader never finds routes of an unknown appliance. */
  heldKeys(): HeldKey[] {
    const order = {
      identity: 0,
      appliance: 1,
      admin: 2,
      experiment: 3,
      routes: 4,
      inventory: 5,
      catalog: 6,
    } as const;
    return [...this.keys.values()].sort((a, b) => order[a.change.kind] - order[b.change.kind]);
  }

  /** Releases a key once written, unless it was marked again after `held` was handed out. */
  written(held: HeldKey): void {
    const key = keyOf(held.change) as string;
    if (this.keys.get(key)?.generation === held.generation) this.keys.delete(key);
    if (this.size === 0) this.droppedEvents = 0;
  }

  /** Hands over the held events; `putBackEvents` returns the ones that could not be written. */
  takeEvents(): ControlEvent[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }

  putBackEvents(events: ControlEvent[]): void {
    this.events = [...events, ...this.events].slice(-this.eventCap);
  }
}
