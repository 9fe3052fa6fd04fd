// BGP-4 data model shared by the wire codec, the session FSM, the Adj-RIB-In and the
// route feed. Pure types and constants: no I/O, no parsing here.

/** Address family (RFC 4760 AFI) and subsequent address family (SAFI) this speaker handles. */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export type Afi = typeof AFI_IPV4 | typeof AFI_IPV6;

/** A prefix in wire form: the significant bytes of the address (ceil(length/8)), host bits zero. */
export interface Prefix {
  afi: Afi;
  /** prefix length in bits: 0-32 for IPv4, 0-128 for IPv6 */
  length: number;
  /** ceil(length / 8) bytes */
  bytes: Uint8Array;
}

/** RFC 4271 §4.1 message types, RFC 2918 ROUTE-REFRESH. */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1; RFC 8654 extended messages are not negotiated. */
export const MAX_MESSAGE_LENGTH = 4096;
export const AS_TRANS = 23456;

export type Capability =
  | { kind: 'multiprotocol'; afi: number; safi: number } // RFC 4760, code 1
  | { kind: 'route-refresh' } // RFC 2918, code 2
  | { kind: 'four-octet-as'; asn: number } // RFC 6793, code 65
  | {
      kind: 'graceful-restart'; // RFC 4724, code 64
      restartState: boolean;
      restartTimeSec: number;
      families: { afi: number; safi: number; forwardingPreserved: boolean }[];
    }
  | { kind: 'unknown'; code: number; value: Uint8Array };

export interface OpenMessage {
  type: typeof MessageType.OPEN;
  version: number;
  /** the 2-octet "My Autonomous System" field (AS_TRANS when the real AS needs 4 octets) */
  myAs: number;
  holdTimeSec: number;
  /** dotted quad */
  routerId: string;
  capabilities: Capability[];
}

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

export type AsPathSegment = { type: 'sequence' | 'set'; asns: number[] };

/**
 * Path attributes after decoding (RFC 4271 §5, RFC 1997, RFC 8092, RFC 6793). AS_PATH is
 * kept with 4-octet ASNs (AS4_PATH already merged when the peer is 2-octet-only).
 */
export interface PathAttributes {
  origin?: number;
  asPath?: AsPathSegment[];
  /** IPv4 NEXT_HOP, dotted quad */
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997: each a 32-bit value (high 16 bits ASN, low 16 bits value) */
  communities?: number[];
  /** RFC 8092: [globalAdmin, localData1, localData2] */
  largeCommunities?: [number, number, number][];
  /** MP_REACH next hop(s) for IPv6, textual */
  mpNextHop?: string[];
  /** Unknown optional transitive attributes, kept (with the Partial bit set when passed on). */
  unknown?: { flags: number; code: number; value: Uint8Array }[];
}

export interface UpdateMessage {
  type: typeof MessageType.UPDATE;
  /** IPv4 withdrawn routes plus MP_UNREACH_NLRI prefixes */
  withdrawn: Prefix[];
  attributes: PathAttributes;
  /** IPv4 NLRI plus MP_REACH_NLRI prefixes */
  announced: Prefix[];
  /**
   * RFC 7606 outcome for this UPDATE: 'treat-as-withdraw' turns every announced prefix into
   * a withdrawal; attribute-discard has already dropped the bad attribute.
   */
  treatAsWithdraw?: boolean;
  /**
   * RFC 4724 §2 End-of-RIB marker: an UPDATE with nothing in it (IPv4 unicast) or with only an
   * empty MP_UNREACH_NLRI (that AFI/SAFI). Set by the decoder; ignored by the encoder.
   */
  endOfRib?: { afi: number; safi: number };
  /**
   * Downgraded errors found while decoding (RFC 7606 §3: the error SHOULD be logged), worst
   * first. Absent when the UPDATE was clean.
   */
  problems?: UpdateProblem[];
}

/** One RFC 7606 downgrade applied while decoding an UPDATE. */
export interface UpdateProblem {
  outcome: 'treat-as-withdraw' | 'attribute-discard';
  /** path attribute type code, 0 when the problem is not tied to one attribute */
  attributeCode: number;
  reason: string;
}

export interface NotificationMessage {
  type: typeof MessageType.NOTIFICATION;
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface KeepaliveMessage {
  type: typeof MessageType.KEEPALIVE;
}

export interface RouteRefreshMessage {
  type: typeof MessageType.ROUTE_REFRESH;
  afi: number;
  safi: number;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

/** RFC 4271 §4.5 NOTIFICATION error codes. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7, // RFC 7313
} as const;

/**
 * A decoding failure that ends the session with a NOTIFICATION (RFC 4271 §6). Failures
 * that RFC 7606 downgrades (treat-as-withdraw, attribute-discard) are not thrown; the
 * decoder records them on the UpdateMessage instead.
 */
export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;

  constructor(code: number, subcode: number, message: string, data: Uint8Array = new Uint8Array(0)) {
    super(message);
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
  }
}

/** A neighbor as configured (flags or config file). */
export interface NeighborConfig {
  /** peer address; for passive sessions, the address connections are accepted from */
  address: string;
  port: number;
  peerAs: number;
  localAs: number;
  routerId: string;
  /** 'active' connects out, 'passive' waits for the peer */
  mode: 'active' | 'passive';
  holdTimeSec: number;
  connectRetrySec: number;
  /** how long a new connection may stay silent before its OPEN (default 10 s, fsm-types.ts) */
  openWaitSec?: number;
  /** source address for active connections (peers that accept only a configured address) */
  localAddress?: string;
}
