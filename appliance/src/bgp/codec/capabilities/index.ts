// Capabilities Optional Parameter (RFC 5492 §4): a list of code(1) length(1) value, decoded
// through a switch on the code with an 'unknown' fallback (RFC 5492 §3: unknown ones are ignored
// by the speaker, kept here so they can be logged).
import { OpenSubcode, openError } from '../errors.js';
import type { Capability } from '../types.js';
import { CapabilityCode, malformedCapability } from './codes.js';
import { decodeFourOctetAs, encodeFourOctetAs } from './four-octet-as.js';
import { decodeGracefulRestart, encodeGracefulRestart } from './graceful-restart.js';
import { decodeMultiprotocol, encodeMultiprotocol } from './multiprotocol.js';

export { CapabilityCode } from './codes.js';

export function decodeCapability(code: number, value: Buffer): Capability {
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      return decodeMultiprotocol(value);
    case CapabilityCode.ROUTE_REFRESH:
      if (value.length !== 0) throw malformedCapability('route refresh', value.length);
      return { kind: 'route-refresh' };
    case CapabilityCode.GRACEFUL_RESTART:
      return decodeGracefulRestart(value);
    case CapabilityCode.FOUR_OCTET_AS:
      return decodeFourOctetAs(value);
    default:
      return { kind: 'unknown', code, value: Uint8Array.from(value) };
  }
}

/** Decodes the value of one Capabilities Optional Parameter. */
export function decodeCapabilities(v: Buffer, out: Capability[]): void {
  let off = 0;
  while (off < v.length) {
    if (off + 2 > v.length)
      throw openError(OpenSubcode.UNSPECIFIC, 'capability header runs past its parameter');
    const code = v[off]!;
    const len = v[off + 1]!;
    if (off + 2 + len > v.length)
      throw openError(OpenSubcode.UNSPECIFIC, `capability ${code} runs past its parameter`);
    out.push(decodeCapability(code, v.subarray(off + 2, off + 2 + len)));
    off += 2 + len;
  }
}

/** One capability as code, length, value. */
export function encodeCapability(c: Capability): Buffer {
  switch (c.kind) {
    case 'multiprotocol':
      return encodeMultiprotocol(c);
    case 'route-refresh':
      return Buffer.from([CapabilityCode.ROUTE_REFRESH, 0]);
    case 'graceful-restart':
      return encodeGracefulRestart(c);
    case 'four-octet-as':
      return encodeFourOctetAs(c);
    case 'unknown':
      return Buffer.concat([Buffer.from([c.code, c.value.length]), c.value]);
  }
}
