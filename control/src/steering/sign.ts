// Signed content URLs for steering answers. The token binds the file, the expiry and the
// client's steering prefix (docs/tokens.md), so a URL copied to another network is refused.
import { isValidFileId, type KeyEntry, signToken, tokenQuery } from '@ferry/protocol';

export interface SignedUrlInput {
  /** The appliance's base URL, e.g. `http://10.0.0.5:8080`; a trailing slash is tolerated. */
  readonly baseUrl: string;
  readonly fileId: string;
  readonly key: KeyEntry;
  /** Unix seconds. */
  readonly expiresAt: number;
  /** The covering prefix the client was steered by, or '' for an unbound URL. */
  readonly clientPrefix: string;
}

export function signedUrl(input: SignedUrlInput): string {
  const { baseUrl, fileId, key, expiresAt, clientPrefix } = input;
  // Ids are URL-safe by contract, so the path needs no escaping; anything else is a caller bug.
  if (!isValidFileId(fileId)) throw new TypeError(`invalid file id "${fileId}"`);
  const token = signToken({ key, fileId, expiresAt, clientPrefix });
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return `${base}/v1/c/${fileId}?${tokenQuery(token, clientPrefix)}`;
}
