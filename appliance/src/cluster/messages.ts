// Messages between the appliance's primary process and its workers (node:cluster IPC).
export type WorkerToPrimary =
  | { type: 'ferry:listening'; url: string }
  | { type: 'ferry:drain-request'; exit: boolean }
  | { type: 'ferry:metrics-request'; id: number };

export type PrimaryToWorker =
  | { type: 'ferry:drain'; exit: boolean }
  | { type: 'ferry:metrics'; id: number; text?: string; error?: string };

export function isFerryMessage(m: unknown): m is { type: string } {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { type?: unknown }).type === 'string' &&
    (m as { type: string }).type.startsWith('ferry:')
  );
}
