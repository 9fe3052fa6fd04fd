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
    // §6.8 compares once the new connection's OPEN is read, running both meanwhile; one
    // connection per neighbor here, so ours goes on (bounded by the OPEN wait) and the
    // peer retries. "MAY also examine OpenSent" only applies when the Identifier is known.
    return {
      action: 'refuse',
      subcode: CeaseSubcode.CONNECTION_REJECTED,
      reason: 'our own connection is in OpenSent',
    };
  }
  if (routerIdValue(c.localRouterId) > routerIdValue(c.peerRouterId)) {
    return {
      action: 'refuse',
      subcode: CeaseSubcode.COLLISION,
      reason: 'connection collision: our Identifier is higher, our connection stays',
    };
  }
  return { action: 'replace', reason: 'connection collision: the peer has the higher Identifier' };
}
