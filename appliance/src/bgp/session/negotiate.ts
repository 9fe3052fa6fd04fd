// OPEN checks and session parameter negotiation (RFC 4271 §6.2, §4.2; RFC 6793; RFC 4760).
// Pure: takes the peer's OPEN and our neighbor config, returns the negotiated parameters
// or the NOTIFICATION that refuses the session.
import { OpenSubcode } from '../codec/errors.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  AS_TRANS,
  type Capability,
  ErrorCode,
  type OpenMessage,
  SAFI_UNICAST,
} from '../codec/types.js';
import type { GracefulRestartConfig, NeighborConfig } from './neighbors.js';

export interface Negotiated {
  /** min(local, peer) hold time; 0 means no hold timer and no keepalives (RFC 4271 §4.2) */
  holdTimeSec: number;
  /** one third of the hold time (RFC 4271 §10) */
  keepaliveSec: number;
  peerAs: number;
  peerRouterId: string;
  /** both sides sent the 4-octet AS capability (RFC 6793 §3) */
  fourOctetAs: boolean;
  routeRefresh: boolean;
  /** AFI/SAFI pairs both sides announced (RFC 4760 §8); IPv4 unicast when the peer sent none */
  families: { afi: number; safi: number }[];
  /**
   * The peer's Graceful Restart capability (RFC 4724 §3), when we advertised ours too: only
   * then do the receiving-speaker procedures apply.
   */
  gracefulRestart?: PeerGracefulRestart;
}

export interface PeerGracefulRestart {
  /** R bit: the peer has restarted */
  restartState: boolean;
  restartTimeSec: number;
  /** negotiated families the peer listed, with their F bit (forwarding state preserved) */
  families: { afi: number; safi: number; forwardingPreserved: boolean }[];
}

export interface OpenRefusal {
  code: number;
  subcode: number;
  data: Uint8Array;
  reason: string;
}

const FAMILIES = [
  { afi: AFI_IPV4, safi: SAFI_UNICAST },
  { afi: AFI_IPV6, safi: SAFI_UNICAST },
];

/** The capabilities this speaker puts in its OPEN. */
export function localCapabilities(localAs: number, gr?: GracefulRestartConfig): Capability[] {
  const caps: Capability[] = [
    ...FAMILIES.map((f): Capability => ({ kind: 'multiprotocol', ...f })),
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: localAs },
  ];
  if (gr) {
    // RFC 4724 §3: R is set only by a speaker that has restarted and is in its restart
    // procedures; this one starts fresh each time. It keeps no forwarding state, so every F
    // bit is clear: a peer may keep our (empty) table across our restart, nothing more.
    caps.push({
      kind: 'graceful-restart',
      restartState: false,
      restartTimeSec: gr.restartTimeSec,
      families: FAMILIES.map((f) => ({ ...f, forwardingPreserved: false })),
    });
  }
  return caps;
}

/** Our OPEN for a neighbor: AS_TRANS in the 2-octet field when the AS needs 4 octets (RFC 6793 §4.1). */
export function localOpen(n: NeighborConfig): OpenMessage {
  return {
    type: 1,
    version: 4,
    myAs: n.localAs > 0xffff ? AS_TRANS : n.localAs,
    holdTimeSec: n.holdTimeSec,
    routerId: n.routerId,
    capabilities: localCapabilities(n.localAs, n.gracefulRestart),
  };
}

function refuse(subcode: number, reason: string, data: Uint8Array = new Uint8Array(0)): OpenRefusal {
  return { code: ErrorCode.OPEN_MESSAGE, subcode, data, reason };
}

function routerIdValue(id: string): number {
  const parts = id.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return -1;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function checkOpen(open: OpenMessage, n: NeighborConfig): Negotiated | OpenRefusal {
  // RFC 4271 §6.2: the data field carries the largest version we support, as 2 octets.
  if (open.version !== 4) {
    return refuse(
      OpenSubcode.UNSUPPORTED_VERSION,
      `peer speaks BGP version ${open.version}`,
      Uint8Array.of(0, 4),
    );
  }
  const as4 = open.capabilities.find((c) => c.kind === 'four-octet-as');
  // RFC 6793 §4.1: a NEW speaker takes the peer AS from the capability when present.
  const peerAs = as4 ? as4.asn : open.myAs;
  if (peerAs !== n.peerAs) {
    const data = Uint8Array.of((open.myAs >> 8) & 0xff, open.myAs & 0xff);
    return refuse(OpenSubcode.BAD_PEER_AS, `peer AS ${peerAs} is not the configured AS ${n.peerAs}`, data);
  }
  // RFC 4271 §6.2 and RFC 6286 §2.2: a zero identifier, or one equal to ours, is refused.
  const id = routerIdValue(open.routerId);
  if (id <= 0 || open.routerId === n.routerId) {
    return refuse(OpenSubcode.BAD_BGP_IDENTIFIER, `peer router id ${open.routerId} is zero or equal to ours`);
  }
  // RFC 4271 §6.2: a hold time of 1 or 2 seconds is unacceptable; 0 turns keepalives off.
  if (open.holdTimeSec === 1 || open.holdTimeSec === 2) {
    return refuse(
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `peer hold time ${open.holdTimeSec}s is 1 or 2 seconds`,
    );
  }
  const holdTimeSec = Math.min(n.holdTimeSec, open.holdTimeSec);
  const peerFamilies = open.capabilities.flatMap((c) =>
    c.kind === 'multiprotocol' ? [{ afi: c.afi, safi: c.safi }] : [],
  );
  const ours = FAMILIES;
  // RFC 4760 §8: a peer without multiprotocol capabilities does IPv4 unicast only.
  const families =
    peerFamilies.length === 0
      ? [{ afi: AFI_IPV4, safi: SAFI_UNICAST }]
      : ours.filter((f) => peerFamilies.some((p) => p.afi === f.afi && p.safi === f.safi));
  const negotiated: Negotiated = {
    holdTimeSec,
    keepaliveSec: Math.floor(holdTimeSec / 3),
    peerAs,
    peerRouterId: open.routerId,
    fourOctetAs: as4 !== undefined,
    routeRefresh: open.capabilities.some((c) => c.kind === 'route-refresh'),
    families,
  };
  const gr = open.capabilities.find((c) => c.kind === 'graceful-restart');
  if (gr && n.gracefulRestart) {
    negotiated.gracefulRestart = {
      restartState: gr.restartState,
      restartTimeSec: gr.restartTimeSec,
      families: gr.families.filter((f) => families.some((g) => g.afi === f.afi && g.safi === f.safi)),
    };
  }
  return negotiated;
}

export function isRefusal(x: Negotiated | OpenRefusal): x is OpenRefusal {
  return 'code' in x;
}
