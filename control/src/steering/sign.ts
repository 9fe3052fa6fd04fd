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
  return contentRoot(input.baseUrl) + signedPath(input);
}

/** An appliance's content root, `{baseUrl}/v1/c/`. */
export function contentRoot(baseUrl: string): string {
  return `${baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl}/v1/c/`;
}

/**
 * `{fileId}?{token query}`: the part of a signed URL below `/v1/c/`, the same on every
 * appliance (the token does not bind the appliance), as a DASH relative BaseURL needs it.
 */
export function signedPath(input: Omit<SignedUrlInput, 'baseUrl'>): string {
  const { fileId, key, expiresAt, clientPrefix } = input;
  // Ids are URL-safe by contract, so the path needs no escaping; anything else is a caller bug.
  if (!isValidFileId(fileId)) throw new TypeError(`invalid file id "${fileId}"`);
  const token = signToken({ key, fileId, expiresAt, clientPrefix });
  return `${fileId}?${tokenQuery(token, clientPrefix)}`;
}
