// An abort controller tied to a parent signal and an optional deadline, with explicit
// timers and listeners that dispose() removes. Built by hand rather than with
// AbortSignal.any/AbortSignal.timeout: on Node 20 a timeout signal held only by a
// composite can be garbage-collected before it fires, and the deadline silently never
// comes (seen here as sessions outliving their duration under GC pressure).

export interface Linked {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
}

export function linkedAbort(parent?: AbortSignal, timeoutMs?: number, timeoutReason?: () => unknown): Linked {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(timeoutReason?.() ?? new Error(`timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
