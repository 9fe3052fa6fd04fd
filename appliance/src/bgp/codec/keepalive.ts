// KEEPALIVE (RFC 4271 §4.4): the header alone; decodeHeader has checked its length is 19.
import { writeHeader } from './header.js';
import { HEADER_LENGTH, type KeepaliveMessage, MessageType } from './types.js';

export function decodeKeepalive(): KeepaliveMessage {
  return { type: MessageType.KEEPALIVE };
}

export function encodeKeepalive(): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH);
  writeHeader(buf, HEADER_LENGTH, MessageType.KEEPALIVE);
  return buf;
}
