// Source addresses for simulated devices, drawn from one IPv4 CIDR. Control steers by the
// client's address, so each session gets its own address when the prefix is big enough;
// on Linux every 127.x.y.z is a local loopback address, so 127.64.0.0/16 needs no setup.
import { parseCidr } from '@ferry/protocol';
import { FleetSetupError } from './setup-error.js';

/**
 * `count` addresses from `cidr`, distinct while the prefix has room, then repeating.
 * The network and broadcast addresses are skipped when the prefix is shorter than /31.
 */
export function sourceAddresses(cidr: string, count: number): string[] {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new FleetSetupError('FERRY_ERR_SIM_USAGE', `not a CIDR (ADDRESS/BITS): "${cidr}"`);
  if (parsed.bytes.length !== 4)
    throw new FleetSetupError('FERRY_ERR_SIM_USAGE', `only IPv4 source prefixes are supported: "${cidr}"`);
  const b = parsed.bytes;
  const base = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const size = 2 ** (32 - parsed.bits);
  const first = size > 2 ? 1 : 0;
  const usable = size > 2 ? size - 2 : size;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = (base + first + (i % usable)) >>> 0;
    out.push(`${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
  }
  return out;
}
