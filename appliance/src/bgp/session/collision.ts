// Connection collisions for one neighbor (RFC 4271 §6.8), pure: a new connection arrives from
// the neighbor's address while the neighbor is in some state; which connection goes on.
//
// §6.8 exists for two speakers that both connect out: of the pair of connections, the one
// initiated by the speaker with the higher BGP Identifier survives. This appliance is
// listen-only (its passive neighbors never connect out), so every connection it holds was
// initiated by the peer, and the Identifier comparison cannot prefer one peer-initiated
// connection over another. A peer opens a second connection only once it has given up on
// the first, so a connection that has not reached Established is replaced by the newer one;
// otherwise a socket that connected and said nothing would block the real router.
import { CeaseSubcode, type State } from './fsm-types.js';

/** Who opened the neighbor's current connection. */
export type Initiator = 'local' | 'remote';

export interface CollisionInput {
  state: State;
  /** the current connection's initiator (OpenSent, OpenConfirm, Established) */
  initiator?: Initiator;
  /** the peer's BGP Identifier, known once its OPEN was read (OpenConfirm) */
  peerRouterId?: string;
  localRouterId: string;
}

export type CollisionDecision =
  /** no connection to collide with: take the new one */
  | { action: 'accept'; reason: string }
  /** close the current connection with Cease 6/7, go on with the new one */
  | { action: 'replace'; reason: string }
  /**
   * keep both until the new connection's OPEN tells the peer's Identifier (RFC 4271 §6.8:
   * the comparison is made once an OPEN is read), then keep one: see compareOnOpen
   */
  | { action: 'hold'; reason: string }
  /** keep the current state, close the new connection with Cease 6/subcode */
  | { action: 'refuse'; subcode: number; reason: string };

/** RFC 4271 §6.8: Identifiers are compared as 4-octet unsigned integers in host byte order. */
export function routerIdValue(id: string): number {
  return id.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function resolveCollision(c: CollisionInput): CollisionDecision {
  switch (c.state) {
    case 'Idle':
      // RFC 4271 §8.2.2 Idle: incoming connections are refused (stopped, or damping after a failure).
      return { action: 'refuse', subcode: CeaseSubcode.CONNECTION_REJECTED, reason: 'neighbor is Idle' };
    case 'Connect':
    case 'Active':
      // No BGP connection yet (at most our own TCP attempt in progress): the new one is it.
      return { action: 'accept', reason: `connection in ${c.state}` };
    case 'Established':
      // RFC 4271 §6.8 last paragraph: an Established session wins; RFC 4486 §4 subcode 7.
      return {
        action: 'refuse',
        subcode: CeaseSubcode.COLLISION,
        reason: 'connection collision: the session is Established',
      };
    case 'OpenSent':
    case 'OpenConfirm':
      return c.initiator === 'local'
        ? againstOurs(c)
        : { action: 'replace', reason: replacedReason(c.state) };
  }
}

function replacedReason(state: State): string {
  return `connection collision: a new connection from the peer replaces the one in ${state}`;
}

/** The current connection is one we opened (active neighbors): the §6.8 rule proper. */
function againstOurs(c: CollisionInput): CollisionDecision {
  if (c.peerRouterId === undefined) {
    // §6.8 compares once an OPEN is read, running both connections meanwhile: the new one is
    // held (our OPEN sent on it) until its OPEN, or ours, tells the peer's Identifier.
    // Refusing it here would lose both when the peer's Identifier is higher: the peer keeps
    // its own connection, which we refused, and closes ours.
    return { action: 'hold', reason: 'connection collision: both connect, waiting for an OPEN' };
  }
  if (compareOnOpen(c.localRouterId, c.peerRouterId) === 'keep-ours') {
    return {
      action: 'refuse',
      subcode: CeaseSubcode.COLLISION,
      reason: 'connection collision: our Identifier is higher, our connection stays',
    };
  }
  return { action: 'replace', reason: 'connection collision: the peer has the higher Identifier' };
}

/**
 * RFC 4271 §6.8 once the peer's Identifier is known: the connection opened by the speaker
 * with the higher Identifier survives. 'keep-ours': the one we opened; 'take-new': the peer's.
 */
export function compareOnOpen(localRouterId: string, peerRouterId: string): 'keep-ours' | 'take-new' {
  return routerIdValue(localRouterId) > routerIdValue(peerRouterId) ? 'keep-ours' : 'take-new';
}
