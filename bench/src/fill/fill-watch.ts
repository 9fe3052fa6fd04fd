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
  /** Date.now() of the first poll of the streak in which every appliance was filled */
  doneAtMs: number;
  last: Map<string, FillView | null>;
}

/**
 * Polls until every appliance is filled in the same poll, and stays so, under the same
 * manifests, for `stableMs`: placement reruns as the appliances of a site join it, so an
 * appliance can be "filled" under a first small manifest and want more a second later. The
 * fill ends at the streak's first poll.
 */
export async function waitFilled(input: {
  controlUrl: string;
  token: string;
  appliances: readonly { id: string; child: Child }[];
  timeoutMs: number;
  intervalMs?: number;
  stableMs?: number;
}): Promise<FillWait> {
  const interval = input.intervalMs ?? 200;
  const stableMs = input.stableMs ?? 2000;
  const client = new ControlClient({ baseUrl: input.controlUrl, token: input.token, timeoutMs: 3000 });
  const last = new Map<string, FillView | null>();
  let streak: { sinceMs: number; versions: string } | undefined;
  const deadline = Date.now() + input.timeoutMs;
  const maxAttempts = Math.ceil(input.timeoutMs / interval) + 1;
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
    const polledAtMs = Date.now();
    for (const a of input.appliances) {
      if (a.child.exit) {
        const tail = a.child.stderr().trim().split('\n').slice(-5).join('\n');
        throw new Error(`appliance ${a.id} exited (${JSON.stringify(a.child.exit)}) while filling\n${tail}`);
      }
      // Before its first heartbeat control knows no fill of it (404): keep the last view.
      last.set(a.id, await client.getFill(a.id).catch(() => last.get(a.id) ?? null));
    }
    const views = input.appliances.map((a) => last.get(a.id));
    const versions = views.map((v) => v?.manifestVersion ?? '-').join(',');
    if (!views.every(isFilled)) streak = undefined;
    else if (streak?.versions !== versions) streak = { sinceMs: polledAtMs, versions };
    else if (polledAtMs - streak.sinceMs >= stableMs) return { doneAtMs: streak.sinceMs, last };
    await new Promise((r) => setTimeout(r, interval));
  }
  const where = input.appliances.map((a) => {
    const v = last.get(a.id);
    return v
      ? `${a.id}: held ${v.held}/${v.wanted}, filling ${v.filling}, failed ${v.failed}, ${v.bytesToGo} bytes to go${v.errors[0] ? `, last error ${v.errors[0].fileId} from ${v.errors[0].source}: ${v.errors[0].error}` : ''}`
      : `${a.id}: no fill view`;
  });
  throw new Error(`not filled within ${Math.round(input.timeoutMs / 1000)} s: ${where.join('; ')}`);
}
