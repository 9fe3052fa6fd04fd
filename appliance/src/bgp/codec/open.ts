// OPEN message (RFC 4271 §4.2) with the checks of §6.2 and Capabilities (RFC 5492).
import { formatIpv4 } from '@ferry/protocol';
import { decodeCapabilities, encodeCapability } from './capabilities/index.js';
import { OpenSubcode, openError, u16Data } from './errors.js';
import { writeHeader } from './header.js';
import { addressBytes } from './nlri.js';
import {
  AFI_IPV4,
  AS_TRANS,
  type Capability,
  HEADER_LENGTH,
  MessageType,
  type OpenMessage,
} from './types.js';

/** RFC 5492 §4: Optional Parameter type 2 carries capabilities. */
const PARAM_CAPABILITIES = 2;

/** Decodes a whole OPEN message (header included; the header is already checked). */
export function decodeOpen(msg: Buffer): OpenMessage {
  const b = HEADER_LENGTH;
  const version = msg[b]!;
  // RFC 4271 §6.2: data is the largest version we support, 2 octets
  if (version !== 4) throw openError(OpenSubcode.UNSUPPORTED_VERSION, `BGP version ${version}`, u16Data(4));
  const myAs = msg.readUInt16BE(b + 1);
  const holdTimeSec = msg.readUInt16BE(b + 3);
  // RFC 4271 §6.2: hold time must be zero or at least three seconds
  if (holdTimeSec === 1 || holdTimeSec === 2) {
    throw openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTimeSec}`);
  }
  const id = msg.readUInt32BE(b + 5);
  // RFC 6286 §2.2: any non-zero 32-bit value is a valid BGP Identifier
  if (id === 0) throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0');
  // RFC 7607 §2: AS 0 in My Autonomous System is Bad Peer AS
  if (myAs === 0) throw openError(OpenSubcode.BAD_PEER_AS, 'peer AS 0');
  const paramsLen = msg[b + 9]!;
  const paramsStart = b + 10;
  if (paramsStart + paramsLen !== msg.length) {
    throw openError(
      OpenSubcode.UNSPECIFIC,
      `optional parameters length ${paramsLen} does not match message length ${msg.length}`,
    );
  }
  const capabilities: Capability[] = [];
  let off = paramsStart;
  while (off < msg.length) {
    if (off + 2 > msg.length) throw openError(OpenSubcode.UNSPECIFIC, 'optional parameter header truncated');
    const type = msg[off]!;
    const len = msg[off + 1]!;
    if (off + 2 + len > msg.length)
      throw openError(OpenSubcode.UNSPECIFIC, `optional parameter ${type} overruns`);
    // RFC 4271 §6.2: an optional parameter we do not recognize
    if (type !== PARAM_CAPABILITIES) {
      throw openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    decodeCapabilities(msg.subarray(off + 2, off + 2 + len), capabilities);
    off += 2 + len;
  }
  for (const c of capabilities) {
    // RFC 7607 §2: AS 0 in the 4-octet AS capability is Bad Peer AS as well
    if (c.kind === 'four-octet-as' && c.asn === 0) throw openError(OpenSubcode.BAD_PEER_AS, 'peer AS 0');
  }
  return {
    type: MessageType.OPEN,
    version,
    myAs,
    holdTimeSec,
    routerId: formatIpv4(msg, b + 5),
    capabilities,
  };
}

export function encodeOpen(m: OpenMessage): Buffer {
  const caps = m.capabilities.map(encodeCapability);
  // RFC 5492 §4: several capabilities may share one parameter; start a new one at 255 octets
  const params: Buffer[] = [];
  let group: Buffer[] = [];
  let groupLen = 0;
  const flush = () => {
    if (group.length === 0) return;
    params.push(Buffer.from([PARAM_CAPABILITIES, groupLen]), ...group);
    group = [];
    groupLen = 0;
  };
  for (const c of caps) {
    if (groupLen + c.length > 255) flush();
    group.push(c);
    groupLen += c.length;
  }
  flush();
  const paramsBuf = Buffer.concat(params);
  if (paramsBuf.length > 255) throw new RangeError('OPEN optional parameters exceed 255 octets');
  const len = HEADER_LENGTH + 10 + paramsBuf.length;
  const buf = Buffer.alloc(len);
  writeHeader(buf, len, MessageType.OPEN);
  const b = HEADER_LENGTH;
  buf[b] = m.version;
  buf.writeUInt16BE(m.myAs > 0xffff ? AS_TRANS : m.myAs, b + 1);
  buf.writeUInt16BE(m.holdTimeSec, b + 3);
  Buffer.from(addressBytes(AFI_IPV4, m.routerId)).copy(buf, b + 5);
  buf[b + 9] = paramsBuf.length;
  paramsBuf.copy(buf, b + 10);
  return buf;
}

/** The peer's AS: the 4-octet AS capability when present (RFC 6793 §4.1), else My Autonomous System. */
export function peerAsFromOpen(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** True when the OPEN advertises the 4-octet AS capability. */
export function hasFourOctetAs(open: OpenMessage): boolean {
  return open.capabilities.some((c) => c.kind === 'four-octet-as');
}
