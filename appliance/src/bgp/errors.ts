// The BGP part's catalogue: operator-facing errors of `ferry appliance --bgp-*` and
// `ferry announce`, reported at start with a message that names the flag, field or line.
// (The NOTIFICATION codes a peer sees are the codec's, in codec/errors.ts.)
import { defineErrors, FerryError, spec } from '@ferry/protocol';

export const BgpErrors = defineErrors('appliance-bgp', {
  CONFIG: spec('FERRY_ERR_BGP_CONFIG', 500, 'invalid BGP configuration'),
  PREFIXES: spec('FERRY_ERR_BGP_PREFIXES', 500, 'bad prefix list'),
});

/** A neighbor or `ferry announce` flag that is missing or wrong; the message says which. */
export function bgpConfigError(message: string): FerryError {
  return new FerryError(BgpErrors.CONFIG, message, { replaceMessage: true });
}

/** Bad lines of a prefix file, each with its file and line number. */
export function prefixFileError(message: string): FerryError {
  return new FerryError(BgpErrors.PREFIXES, message, { replaceMessage: true });
}
