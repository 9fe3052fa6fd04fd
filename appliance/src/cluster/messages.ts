// Messages between the appliance's primary process and its workers (node:cluster IPC).

/** What an admin write asks of every worker. */
export type AdminOrder = 'drain' | 'undrain';
export type OrderResult = 'serving' | 'draining' | 'exiting';

export type WorkerToPrimary =
  | { type: 'ferry:listening'; url: string; adminUrl: string }
  | { type: 'ferry:drain-request'; exit: boolean }
  | { type: 'ferry:order'; id: number; order: AdminOrder }
  | { type: 'ferry:applied'; round: number }
  | { type: 'ferry:metrics-request'; id: number };

export type PrimaryToWorker =
  | { type: 'ferry:drain'; exit: boolean }
  | { type: 'ferry:reload-keys' }
  | { type: 'ferry:apply'; round: number; order: AdminOrder }
  | { type: 'ferry:order-done'; id: number; result: OrderResult }
  | { type: 'ferry:metrics'; id: number; text?: string; error?: string };

export function isFerryMessage(m: unknown): m is { type: string } {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { type?: unknown }).type === 'string' &&
    (m as { type: string }).type.startsWith('ferry:')
  );
}
