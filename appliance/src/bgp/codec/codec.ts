// Entry points of the BGP wire codec: frame a byte stream, decode and encode whole messages.
// Every function is pure over Buffers; errors that end the session are thrown as BgpError
// carrying the NOTIFICATION code, subcode and data (RFC 4271 §6).
import type { DecodeContext, EncodeContext } from './context.js';
import { decodeHeader } from './header.js';
import { decodeKeepalive, encodeKeepalive } from './keepalive.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import { type BgpMessage, MessageType } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';

export type { DecodeContext, EncodeContext } from './context.js';
export { HeaderSubcode, OpenSubcode, Severity, type SeverityLevel, UpdateSubcode } from './errors.js';
export { decodeHeader, type MessageHeader, splitMessages } from './header.js';
export {
  addressBytes,
  decodePrefixes,
  encodePrefixes,
  parsePrefix,
  prefixToString,
  samePrefix,
} from './nlri.js';
export { notificationFromError } from './notification.js';
export { hasFourOctetAs, peerAsFromOpen } from './open.js';
export { encodeEndOfRib } from './update.js';
export { encodeUpdates, encodeWithdrawals } from './update-pack.js';

/** Decodes one whole message (as cut by splitMessages). Throws BgpError when the session must end. */
export function decodeMessage(msg: Buffer, ctx: DecodeContext): BgpMessage {
  const { length, type } = decodeHeader(msg);
  const m = length === msg.length ? msg : msg.subarray(0, length);
  if (m.length < length) throw new RangeError(`message truncated: ${msg.length} of ${length} octets`);
  switch (type) {
    case MessageType.OPEN:
      return decodeOpen(m);
    case MessageType.UPDATE:
      return decodeUpdate(m, ctx);
    case MessageType.NOTIFICATION:
      return decodeNotification(m);
    case MessageType.KEEPALIVE:
      return decodeKeepalive();
    case MessageType.ROUTE_REFRESH:
      return decodeRouteRefresh(m);
  }
}

/** Encodes one message. An UPDATE must fit 4096 octets; encodeUpdates splits large sets. */
export function encodeMessage(m: BgpMessage, ctx: EncodeContext): Buffer {
  switch (m.type) {
    case MessageType.OPEN:
      return encodeOpen(m);
    case MessageType.UPDATE:
      return encodeUpdate(m, ctx);
    case MessageType.NOTIFICATION:
      return encodeNotification(m);
    case MessageType.KEEPALIVE:
      return encodeKeepalive();
    case MessageType.ROUTE_REFRESH:
      return encodeRouteRefresh(m);
  }
}
