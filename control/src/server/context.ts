// What every route handler needs, in one object handed to each route module.
import type { KeyRing } from '@ferry/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { ControlConfig } from '../config.js';
import type { ControlModel } from '../model/model.js';
import type { LocalWrites } from '../model/sync.js';
import type { StateStore } from '../state/store.js';
import type { ClientAddressResolver } from './client-address.js';
import type { ControlMetrics } from './metrics.js';

/** The health monitor as the heartbeat route sees it. */
export interface HeartbeatSink {
  noteHeartbeat(applianceId: string, atMs: number): void;
}

export interface ControlContext {
  config: ControlConfig;
  store: StateStore;
  model: ControlModel;
  /** Store writes whose change-feed echo the model does not need (model/sync.ts). */
  localWrites: LocalWrites;
  metrics: ControlMetrics;
  health: HeartbeatSink;
  clientAddress: ClientAddressResolver;
  /** Signing keys; without them steering hands out unsigned URLs. */
  keys?: KeyRing;
  logger: FastifyBaseLogger;
}

/** Runs tasks for one key one after another (two heartbeats of one appliance, say). */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task, task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
