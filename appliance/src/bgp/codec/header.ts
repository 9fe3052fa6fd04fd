// The 19-octet message header (RFC 4271 §4.1) and framing of a TCP byte stream into messages.
import { HeaderSubcode, headerError, u16Data } from './errors.js';
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, type MessageTypeCode } from './types.js';

export interface MessageHeader {
  length: number;
  type: MessageTypeCode;
}

/** Smallest and largest legal length per type (RFC 4271 §4.2–§4.5, RFC 2918 §3). */
const LENGTH_BOUNDS: Record<number, [number, number]> = {
  [MessageType.OPEN]: [29, MAX_MESSAGE_LENGTH],
  [MessageType.UPDATE]: [23, MAX_MESSAGE_LENGTH],
  [MessageType.NOTIFICATION]: [21, MAX_MESSAGE_LENGTH],
  [MessageType.KEEPALIVE]: [19, 19],
  [MessageType.ROUTE_REFRESH]: [23, 23],
};

/** Checks the header at the start of buf (which must hold at least 19 octets). */
export function decodeHeader(buf: Uint8Array): MessageHeader {
  if (buf.length < HEADER_LENGTH) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `header needs 19 octets, have ${buf.length}`);
  }
  // RFC 4271 §6.1: a marker that is not all ones means the connection is not synchronized
  for (let i = 0; i < 16; i++) {
    if (buf[i] !== 0xff)
      throw headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
  }
  const length = (buf[16]! << 8) | buf[17]!;
  const type = buf[18]!;
  // RFC 4271 §6.1: Bad Message Length carries the erroneous Length field as data
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `message length ${length}`, u16Data(length));
  }
  const bounds = LENGTH_BOUNDS[type];
  // RFC 4271 §6.1: an unrecognized type is Bad Message Type with the type octet as data
  if (bounds === undefined) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_TYPE, `message type ${type}`, Uint8Array.of(type));
  }
  if (length < bounds[0] || length > bounds[1]) {
    throw headerError(
      HeaderSubcode.BAD_MESSAGE_LENGTH,
      `message length ${length} is wrong for type ${type}`,
      u16Data(length),
    );
  }
  return { length, type: type as MessageTypeCode };
}

/** Writes marker, length and type into the first 19 octets of buf. */
export function writeHeader(buf: Buffer, length: number, type: MessageTypeCode): void {
  buf.fill(0xff, 0, 16);
  buf.writeUInt16BE(length, 16);
  buf[18] = type;
}

/**
 * Cuts whole messages off the front of a byte stream. The messages are views into buf; the
 * decoder copies what it keeps, so they may be dropped once decoded. Throws BgpError on a
 * bad header: the stream cannot be resynchronized after that (RFC 4271 §6.1).
 */
export function splitMessages(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= HEADER_LENGTH) {
    const { length } = decodeHeader(buf.subarray(off, off + HEADER_LENGTH));
    if (buf.length - off < length) break;
    messages.push(buf.subarray(off, off + length));
    off += length;
  }
  return { messages, rest: buf.subarray(off) };
}
