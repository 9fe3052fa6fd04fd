// Conditional requests (RFC 9110 §13): entity tags, preconditions and If-Range. Pure: the
// caller supplies request headers and the representation's validators.

import { parseHttpDate } from './http-date.js';

/** Request headers as node:http presents them: lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface Validators {
  /** The representation's ETag field value, e.g. from strongEtag(). */
  etag: string;
  /** The representation's modification time; Last-Modified is this, in whole seconds. */
  lastModifiedMs: number;
}

export type PreconditionResult = { status: 'proceed' } | { status: 304 } | { status: 412 };

interface EntityTag {
  weak: boolean;
  opaque: string;
}

const HEX32 = /^[0-9a-f]{32}/;

/** A strong ETag (RFC 9110 §8.8.3) from a content sha256: the first 128 bits, quoted. */
export function strongEtag(sha256Hex: string): string {
  const hex = sha256Hex.toLowerCase();
  if (!HEX32.test(hex)) throw new RangeError('strongEtag needs a hex sha256 digest');
  return `"${hex.slice(0, 32)}"`;
}

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order
 * of RFC 9110 §13.2.2. Range and If-Range (step 5) are left to the caller.
 */
export function evaluatePreconditions(
  headers: RequestHeaders,
  v: Validators & { method: string },
): PreconditionResult {
  const ifMatch = field(headers, 'if-match');
  const ifNoneMatch = field(headers, 'if-none-match');
  // Most requests carry no precondition at all: nothing to parse.
  if (
    ifMatch === undefined &&
    ifNoneMatch === undefined &&
    headers['if-unmodified-since'] === undefined &&
    headers['if-modified-since'] === undefined
  ) {
    return PROCEED;
  }
  const current = parseEntityTag(v.etag);
  const lastModified = Math.floor(v.lastModifiedMs / 1000) * 1000;
  const safe = v.method === 'GET' || v.method === 'HEAD';

  // Step 1, §13.1.1: If-Match is true for "*" or a strongly matching tag.
  if (ifMatch !== undefined) {
    if (!matchesList(ifMatch, current, strongCompare)) return { status: 412 };
  } else {
    // Step 2, §13.1.4: If-Unmodified-Since, only without If-Match; an invalid date is ignored.
    const since = parseHttpDate(field(headers, 'if-unmodified-since'));
    if (since !== undefined && lastModified > since) return { status: 412 };
  }

  // Step 3, §13.1.2: If-None-Match is false for "*" or a weakly matching tag.
  if (ifNoneMatch !== undefined) {
    if (matchesList(ifNoneMatch, current, weakCompare)) return { status: safe ? 304 : 412 };
  } else if (safe) {
    // Step 4, §13.1.3: If-Modified-Since, only for GET/HEAD and without If-None-Match.
    const since = parseHttpDate(field(headers, 'if-modified-since'));
    if (since !== undefined && lastModified <= since) return { status: 304 };
  }
  return PROCEED;
}

const PROCEED: PreconditionResult = Object.freeze({ status: 'proceed' });

/**
 * RFC 9110 §13.1.5: whether the Range header may be honoured given If-Range. An absent
 * If-Range allows it; a mismatch or an unparsable value means "send the whole 200".
 * `dateMs` is the Date of the response being generated.
 */
export function ifRangeAllowsRange(
  headerValue: string | readonly string[] | undefined,
  v: Validators & { dateMs: number },
): boolean {
  if (headerValue === undefined) return true;
  // If-Range is a singleton field (§13.1.5); a repeated one cannot be evaluated.
  if (typeof headerValue !== 'string' && headerValue.length !== 1) return false;
  const value = (typeof headerValue === 'string' ? headerValue : headerValue[0]!).trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    // An entity-tag must match by strong comparison (§8.8.3.2); weak tags never do.
    const tag = parseEntityTag(value);
    const current = parseEntityTag(v.etag);
    return tag !== undefined && current !== undefined && strongCompare(tag, current);
  }
  const date = parseHttpDate(value);
  if (date === undefined) return false;
  const lastModified = Math.floor(v.lastModifiedMs / 1000) * 1000;
  // §8.8.2.2: Last-Modified is a strong validator only when it is at least one second
  // before the response's Date; otherwise it could name two versions within one second.
  const strong = Math.floor(v.dateMs / 1000) * 1000 - lastModified >= 1000;
  return strong && date === lastModified;
}

function field(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// entity-tag = [ weak ] opaque-tag; opaque-tag = DQUOTE *etagc DQUOTE (§8.8.3).
// etagc = %x21 / %x23-7E / obs-text.
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;
const ENTITY_TAG_AT = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/y;

function parseEntityTag(value: string): EntityTag | undefined {
  const m = ENTITY_TAG.exec(value);
  return m ? { weak: m[1] !== undefined, opaque: m[2]! } : undefined;
}

/**
 * Whether a field of the form `"*" / #entity-tag` (If-Match, If-None-Match) matches the
 * current tag. "*" matches any current representation. A list with a syntax error matches
 * nothing: If-Match then fails (412) and If-None-Match passes (the request proceeds).
 */
function matchesList(
  value: string,
  current: EntityTag | undefined,
  compare: (a: EntityTag, b: EntityTag) => boolean,
): boolean {
  if (value.trim() === '*') return true;
  if (current === undefined) return false;
  const tags = parseEntityTagList(value);
  return tags.some((t) => compare(t, current));
}

function parseEntityTagList(value: string): EntityTag[] {
  const tags: EntityTag[] = [];
  let i = 0;
  for (;;) {
    // §5.6.1: empty list elements and OWS around commas are accepted.
    while (i < value.length && (value[i] === ',' || value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= value.length) return tags;
    ENTITY_TAG_AT.lastIndex = i;
    const m = ENTITY_TAG_AT.exec(value);
    if (!m) return [];
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
    i = ENTITY_TAG_AT.lastIndex;
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i < value.length && value[i] !== ',') return [];
  }
}

// §8.8.3.2: strong comparison needs both tags strong and equal opaque-tags; weak comparison
// needs only equal opaque-tags.
function strongCompare(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

function weakCompare(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}
