// NOTIFICATION (RFC 4271 §4.5): code(1) subcode(1) data; decodeHeader has checked length >= 21.
import { writeHeader } from './header.js';
import { type BgpError, HEADER_LENGTH, MessageType, type NotificationMessage } from './types.js';

export function decodeNotification(msg: Buffer): NotificationMessage {
  const b = HEADER_LENGTH;
  return {
    type: MessageType.NOTIFICATION,
    code: msg[b]!,
    subcode: msg[b + 1]!,
    data: new Uint8Array(msg.subarray(b + 2)),
  };
}

export function encodeNotification(m: Omit<NotificationMessage, 'type'>): Buffer {
  const len = HEADER_LENGTH + 2 + m.data.length;
  const buf = Buffer.alloc(Math.min(len, 4096));
  writeHeader(buf, buf.length, MessageType.NOTIFICATION);
  buf[HEADER_LENGTH] = m.code;
  buf[HEADER_LENGTH + 1] = m.subcode;
  // data beyond the maximum message size is cut (RFC 4271 §4.1 caps every message at 4096)
  buf.set(m.data.subarray(0, buf.length - HEADER_LENGTH - 2), HEADER_LENGTH + 2);
  return buf;
}

/** The NOTIFICATION that reports a decoding error to the peer (RFC 4271 §6). */
export function notificationFromError(e: BgpError): NotificationMessage {
  return { type: MessageType.NOTIFICATION, code: e.code, subcode: e.subcode, data: e.data };
}
