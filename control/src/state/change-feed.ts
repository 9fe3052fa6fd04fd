// The listeners of one store instance. A listener that throws must not turn a committed write
// into a rejected promise (the caller would retry a change that already happened), so its
// error is logged with the change that triggered it and the other listeners still run.
import type { ChangeListener, ChangeOrigin, StateChange } from './store.js';

/** The part of a pino logger the stores use. */
export interface StoreLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const consoleLogger: StoreLogger = {
  error: (obj, msg) => console.error(msg, obj),
  warn: (obj, msg) => console.warn(msg, obj),
};

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  readonly logger: StoreLogger;

  constructor(logger?: StoreLogger) {
    this.logger = logger ?? consoleLogger;
  }

  subscribe(listener: ChangeListener): () => void {
    // A wrapper per call, so the same function subscribed twice is also unsubscribed once.
    const entry: ChangeListener = (change, origin) => listener(change, origin);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(change: StateChange, origin: ChangeOrigin): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change, origin);
      } catch (err) {
        this.logger.error({ err, change }, 'state change listener failed');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
