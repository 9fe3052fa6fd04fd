// Events are a log that grows with every health flap and chaos action; a control service
// that runs for months must not grow its state without bound. A million events is weeks of a
// busy fleet and tens of megabytes, still small for either backend.
export const DEFAULT_EVENT_RETENTION = 1_000_000;

/** A retention count as given, or the default; at least 1, so the last event always stays. */
export function eventRetention(n: number | undefined): number {
  return n === undefined ? DEFAULT_EVENT_RETENTION : Math.max(1, Math.floor(n));
}
