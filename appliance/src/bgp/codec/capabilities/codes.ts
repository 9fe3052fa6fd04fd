// Capability codes (IANA "Capability Codes" registry) this speaker understands.
import { OpenSubcode, openError } from '../errors.js';

export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760 §8
  ROUTE_REFRESH: 2, // RFC 2918 §2
  GRACEFUL_RESTART: 64, // RFC 4724 §3
  FOUR_OCTET_AS: 65, // RFC 6793 §9
} as const;

/** RFC 5492 defines no subcode for a malformed known capability; OPEN Message Error, unspecific. */
export function malformedCapability(name: string, length: number): Error {
  return openError(OpenSubcode.UNSPECIFIC, `${name} capability with length ${length}`);
}
