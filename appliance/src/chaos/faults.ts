// Applying each fault kind to the part of the appliance it acts on, and the revert that puts
// back exactly what was there before. The executor (executor.ts) decides when; this file
// only knows how.
import { CHAOS_KILL_EXIT_CODE, type ChaosFault } from '@ferry/protocol';
import { CeaseSubcode } from '../bgp/session/fsm-types.js';
import type { ContentStore } from '../store/store.js';
import type { ContentFaults } from './content-faults.js';
import type { SendThrottle } from './throttle.js';

export interface FaultTargets {
  content: ContentFaults;
  throttle: SendThrottle;
  store: Pick<ContentStore, 'disks' | 'markDiskFailed' | 'restoreDisk'>;
  /** the BGP speaker; absent without BGP (a bgp-flap cannot apply) */
  bgp?: { holdDown(reason: string, subcode: number): Promise<void>; release(): void };
  /** the control agent's heartbeats; absent without --control */
  heartbeats?: { suspendHeartbeats(): void; resumeHeartbeats(): void };
  /** ends the process at once (kill); injectable so in-process tests survive it */
  exit(code: number): void;
  /** a background part of a fault (the BGP hold-down) failed */
  onError(err: unknown, what: string): void;
}

export interface AppliedFault {
  /** Puts back what the fault changed; called once. */
  revert(): void;
  /** what status shows about it (which disk failed, …) */
  detail?: Record<string, unknown>;
}

/** The fault cannot act on this appliance (no BGP, no such disk): it is reported, not run. */
export class FaultNotApplicable extends Error {}

export function applyFault(f: ChaosFault, t: FaultTargets): AppliedFault {
  const id = f.experimentId;
  switch (f.kind) {
    case 'kill':
      // No drain, no revert: the supervisor sees CHAOS_KILL_EXIT_CODE and restarts us.
      t.exit(CHAOS_KILL_EXIT_CODE);
      return { revert() {} };
    case 'latency':
      t.content.setLatency(id, f.params);
      return { revert: () => t.content.clear(id) };
    case 'errors':
      t.content.setErrors(id, f.params);
      return { revert: () => t.content.clear(id) };
    case 'throttle':
      t.throttle.set(id, f.params);
      return { revert: () => t.throttle.clear(id) };
    case 'disk':
      return failDisk(id, f.params.disk, t);
    case 'bgp-flap':
      return flapBgp(id, f.params.downSec, t);
    case 'isolate': {
      const hb = t.heartbeats;
      if (!hb) throw new FaultNotApplicable('no control agent to isolate');
      hb.suspendHeartbeats();
      return { revert: () => hb.resumeHeartbeats() };
    }
  }
}

function failDisk(id: string, wanted: string | undefined, t: FaultTargets): AppliedFault {
  const disks = t.store.disks();
  const disk =
    wanted === undefined ? disks.find((d) => d.state === 'ok') : disks.find((d) => d.id === wanted);
  if (!disk) throw new FaultNotApplicable(wanted ? `no disk ${wanted}` : 'no healthy disk');
  if (disk.state !== 'ok') throw new FaultNotApplicable(`disk ${disk.id} has already failed`);
  const reason = `chaos experiment ${id}`;
  t.store.markDiskFailed(disk.id, reason);
  return {
    detail: { disk: disk.id },
    revert() {
      // Only the failure this fault caused is undone: a disk that failed for real meanwhile
      // (the health check found it unreadable) stays failed.
      if (t.store.disks().find((d) => d.id === disk.id)?.reason === reason) t.store.restoreDisk(disk.id);
    },
  };
}

function flapBgp(id: string, downSec: number | undefined, t: FaultTargets): AppliedFault {
  const bgp = t.bgp;
  if (!bgp) throw new FaultNotApplicable('BGP is not configured');
  // RFC 4486 §4: Administrative Reset when the session is to come back, Shutdown when it is
  // held down for the whole fault.
  const subcode = downSec !== undefined ? CeaseSubcode.ADMIN_RESET : CeaseSubcode.ADMIN_SHUTDOWN;
  bgp.holdDown(`chaos experiment ${id}`, subcode).catch((err) => t.onError(err, 'bgp hold-down'));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    bgp.release();
  };
  const timer = downSec !== undefined ? setTimeout(release, downSec * 1000) : undefined;
  return { detail: { downSec: downSec ?? null }, revert: release };
}
