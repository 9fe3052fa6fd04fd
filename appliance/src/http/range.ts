// Range requests for the "bytes" unit (RFC 9110 §14). Pure: the caller supplies the Range
// field value and the representation's length, and turns the result into 200, 206 or 416.

/** An inclusive byte range, start <= end < size. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  | { kind: 'full' } // ignore Range and answer 200 with the whole representation
  | { kind: 'ranges'; ranges: ByteRange[] } // answer 206 with these ranges, in this order
  | { kind: 'unsatisfiable' }; // answer 416 with Content-Range: bytes */size

export interface RangeOptions {
  /** Most ranges one response may carry; 0 disables range support (Range is always ignored). */
  maxRanges: number;
}

type RangeSpec =
  | { kind: 'int'; first: number; last: number | undefined }
  | { kind: 'suffix'; length: number };

const FULL: RangeResult = { kind: 'full' };
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' };

// 2^53 - 1 has 16 digits; anything longer cannot be a safe integer and is treated as a
// syntax error rather than parsed into an imprecise float.
const MAX_DIGITS = 16;
const DIGITS = /^[0-9]+$/;

/** Parses 1*DIGIT into a safe integer, or undefined when it is not one. */
export function parseDecimal(text: string): number | undefined {
  if (text.length > MAX_DIGITS || !DIGITS.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

// What players send nearly always: one int-range, lower-case unit, no whitespace. At most 15
// digits each, so both are safe integers.
const SIMPLE_RANGE = /^bytes=([0-9]{1,15})-([0-9]{1,15})$/;

export function parseRange(header: string | undefined, size: number, opts: RangeOptions): RangeResult {
  if (header === undefined || opts.maxRanges <= 0) return FULL;
  const simple = SIMPLE_RANGE.exec(header);
  if (simple) {
    // The general path below, specialised: last < first is invalid (ignored, 200); a first
    // past the end leaves nothing (416); else one range clamped to the representation.
    const first = Number(simple[1]);
    const last = Number(simple[2]);
    if (last < first) return FULL;
    if (first >= size) return UNSATISFIABLE;
    return { kind: 'ranges', ranges: [{ start: first, end: Math.min(last, size - 1) }] };
  }
  const specs = parseRangesSpecifier(header);
  // RFC 9110 §14.2: a Range with an unknown unit or an invalid ranges-specifier is ignored.
  if (specs === undefined) return FULL;

  const ranges: ByteRange[] = [];
  let suffixOnEmpty = false;
  for (const spec of specs) {
    const r = resolve(spec, size);
    if (r) ranges.push(r);
    else if (spec.kind === 'suffix' && spec.length > 0 && size === 0) suffixOnEmpty = true;
  }
  if (ranges.length === 0) {
    // RFC 9110 §14.1.3: on a zero-length representation a non-zero suffix-range is the one
    // satisfiable form, yet Content-Range cannot describe zero bytes (§14.4 needs
    // first <= last), so the only faithful answer is 200 with the empty representation.
    return suffixOnEmpty ? FULL : UNSATISFIABLE;
  }
  return limit(ranges, opts.maxRanges);
}

/** `Content-Range` for a 206 part (RFC 9110 §14.4). */
export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}

/** `Content-Range` for a 416 (RFC 9110 §14.4, unsatisfied-range). */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

/** Number of bytes in an inclusive range. */
export function rangeLength(r: ByteRange): number {
  return r.end - r.start + 1;
}

// ranges-specifier = range-unit "=" range-set (RFC 9110 §14.1.1); range units compare
// case-insensitively (§14.1). Returns undefined for an unknown unit or invalid syntax.
function parseRangesSpecifier(header: string): RangeSpec[] | undefined {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'bytes') return undefined;
  const specs: RangeSpec[] = [];
  // range-set = 1#range-spec; §5.6.1 asks recipients to accept empty list elements and OWS.
  for (const element of header.slice(eq + 1).split(',')) {
    const item = element.replace(/^[ \t]+|[ \t]+$/g, '');
    if (item === '') continue;
    const spec = parseRangeSpec(item);
    if (!spec) return undefined;
    specs.push(spec);
  }
  return specs.length > 0 ? specs : undefined;
}

function parseRangeSpec(item: string): RangeSpec | undefined {
  const dash = item.indexOf('-');
  if (dash < 0) return undefined;
  const head = item.slice(0, dash);
  const tail = item.slice(dash + 1);
  if (head === '') {
    // suffix-range = "-" suffix-length
    const length = parseDecimal(tail);
    return length === undefined ? undefined : { kind: 'suffix', length };
  }
  // int-range = first-pos "-" [ last-pos ]
  const first = parseDecimal(head);
  if (first === undefined) return undefined;
  if (tail === '') return { kind: 'int', first, last: undefined };
  const last = parseDecimal(tail);
  // §14.1.2: an int-range is invalid if last-pos is present and less than first-pos.
  if (last === undefined || last < first) return undefined;
  return { kind: 'int', first, last };
}

// §14.1.2/§14.1.3: clamp last-pos to size-1, take the whole representation when the suffix
// is longer than it, and drop (undefined) what does not overlap it.
function resolve(spec: RangeSpec, size: number): ByteRange | undefined {
  if (spec.kind === 'suffix') {
    if (spec.length === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.first >= size) return undefined;
  const end = spec.last === undefined ? size - 1 : Math.min(spec.last, size - 1);
  return { start: spec.first, end };
}

// §14.2 and §17.15: overlapping ranges, or more ranges than we will frame, are a broken
// client or a denial-of-service pattern. Such a set is coalesced (sorted, overlapping and
// adjacent ranges merged, so no byte is sent twice); if it still has more than maxRanges
// ranges, Range is ignored and the whole representation is sent (200).
function limit(ranges: ByteRange[], maxRanges: number): RangeResult {
  if (ranges.length <= maxRanges && !hasOverlap(ranges)) return { kind: 'ranges', ranges };
  const merged = coalesce(ranges);
  return merged.length <= maxRanges ? { kind: 'ranges', ranges: merged } : FULL;
}

function hasOverlap(ranges: ByteRange[]): boolean {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start <= sorted[i - 1]!.end) return true;
  }
  return false;
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [{ ...sorted[0]! }];
  for (const r of sorted.slice(1)) {
    const last = out[out.length - 1]!;
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
