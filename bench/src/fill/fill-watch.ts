// Knowing when the appliances are full: control's operator view of each appliance's fill
// (`GET /v1/appliances/{id}/fill`, a FillView from the appliance's heartbeats), polled until
// every one holds all it wants. Heartbeats come every second, so a "done" is seen up to about
// a second after the last file became servable; the report says so.
import type { Child } from '@ferry/harness';
import { ControlClient, type FillView } from '@ferry/protocol';

/** Everything wanted is held and servable, nothing in flight (pure). */
export function isFilled(v: FillView | null | undefined): boolean {
  return (
    !!v &&
    v.manifestVersion !== null &&
    v.wanted > 0 &&
    v.held >= v.wanted &&
    v.filling === 0 &&
    v.bytesToGo === 0
  );
}

export interface FillWait {
  /** Date.now() when each appliance was first seen filled */
  doneAtMs: Map<string, number>;
  last: Map<string, FillView | null>;
}

export async function waitFilled(input: {
  controlUrl: string;
  token: string;
  appliances: readonly { id: string; child: Child }[];
  timeoutMs: number;
  intervalMs?: number;
}): Promise<FillWait> {
  const interval = input.intervalMs ?? 200;
  const client = new ControlClient({ baseUrl: input.controlUrl, token: input.token, timeoutMs: 3000 });
  const out: FillWait = { doneAtMs: new Map(), last: new Map() };
  const deadline = Date.now() + input.timeoutMs;
  const maxAttempts = Math.ceil(input.timeoutMs / interval) + 1;
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
    for (const a of input.appliances) {
      if (out.doneAtMs.has(a.id)) continue;
      if (a.child.exit) {
        const tail = a.child.stderr().trim().split('\n').slice(-5).join('\n');
        throw new Error(`appliance ${a.id} exited (${JSON.stringify(a.child.exit)}) while filling\n${tail}`);
      }
      // Before its first heartbeat control knows no fill of it (404): keep the last view.
      const v = await client.getFill(a.id).catch(() => out.last.get(a.id) ?? null);
      out.last.set(a.id, v);
      if (isFilled(v)) out.doneAtMs.set(a.id, Date.now());
    }
    if (out.doneAtMs.size === input.appliances.length) return out;
    await new Promise((r) => setTimeout(r, interval));
  }
  const where = input.appliances
    .filter((a) => !out.doneAtMs.has(a.id))
    .map((a) => {
      const v = out.last.get(a.id);
      return v
        ? `${a.id}: held ${v.held}/${v.wanted}, filling ${v.filling}, failed ${v.failed}, ${v.bytesToGo} bytes to go${v.errors[0] ? `, last error ${v.errors[0].fileId} from ${v.errors[0].source}: ${v.errors[0].error}` : ''}`
        : `${a.id}: no fill view`;
    });
  throw new Error(`not filled within ${Math.round(input.timeoutMs / 1000)} s: ${where.join('; ')}`);
}
