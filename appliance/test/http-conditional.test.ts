import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, ifRangeAllowsRange, strongEtag } from '../src/http/conditional.js';
import { formatHttpDate, parseHttpDate } from '../src/http/http-date.js';

const SHA = 'ab'.repeat(32);
const ETAG = strongEtag(SHA);
const OTHER = '"0123456789abcdef0123456789abcdef"';
// Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT (with sub-second part, which is dropped)
const LM_MS = Date.UTC(1994, 10, 6, 8, 49, 37, 250);
const LM = 'Sun, 06 Nov 1994 08:49:37 GMT';
const BEFORE = 'Sun, 06 Nov 1994 08:49:36 GMT';
const AFTER = 'Sun, 06 Nov 1994 08:49:38 GMT';

describe('strongEtag', () => {
  it('quotes the first 32 hex characters of the digest', () => {
    expect(ETAG).toBe(`"${'ab'.repeat(16)}"`);
    expect(strongEtag(SHA.toUpperCase())).toBe(ETAG);
  });
  it('refuses what is not a hex digest', () => {
    expect(() => strongEtag('xyz')).toThrow(RangeError);
    expect(() => strongEtag('ab'.repeat(15))).toThrow(RangeError);
  });
});

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  type Row = [name: string, headers: Record<string, string>, method: string, expected: 'proceed' | 304 | 412];
  const rows: Row[] = [
    ['no conditions', {}, 'GET', 'proceed'],
    // If-Match, §13.1.1: strong comparison
    ['If-Match same tag', { 'if-match': ETAG }, 'GET', 'proceed'],
    ['If-Match in a list', { 'if-match': `${OTHER}, ${ETAG}` }, 'GET', 'proceed'],
    ['If-Match star', { 'if-match': '*' }, 'GET', 'proceed'],
    ['If-Match other tag', { 'if-match': OTHER }, 'GET', 412],
    ['If-Match weak tag never matches', { 'if-match': `W/${ETAG}` }, 'GET', 412],
    ['If-Match malformed', { 'if-match': 'abc' }, 'GET', 412],
    ['If-Match unquoted tag', { 'if-match': ETAG.slice(1, -1) }, 'GET', 412],
    // If-Unmodified-Since, §13.1.4
    ['If-Unmodified-Since equal', { 'if-unmodified-since': LM }, 'GET', 'proceed'],
    ['If-Unmodified-Since later', { 'if-unmodified-since': AFTER }, 'GET', 'proceed'],
    ['If-Unmodified-Since earlier', { 'if-unmodified-since': BEFORE }, 'GET', 412],
    ['If-Unmodified-Since invalid is ignored', { 'if-unmodified-since': 'yesterday' }, 'GET', 'proceed'],
    [
      'If-Match wins over If-Unmodified-Since',
      { 'if-match': ETAG, 'if-unmodified-since': BEFORE },
      'GET',
      'proceed',
    ],
    // If-None-Match, §13.1.2: weak comparison
    ['If-None-Match same tag, GET', { 'if-none-match': ETAG }, 'GET', 304],
    ['If-None-Match same tag, HEAD', { 'if-none-match': ETAG }, 'HEAD', 304],
    ['If-None-Match same tag, POST', { 'if-none-match': ETAG }, 'POST', 412],
    ['If-None-Match weak form matches', { 'if-none-match': `W/${ETAG}` }, 'GET', 304],
    ['If-None-Match in a list', { 'if-none-match': `${OTHER} ,${ETAG}` }, 'GET', 304],
    ['If-None-Match star', { 'if-none-match': '*' }, 'GET', 304],
    ['If-None-Match other tag', { 'if-none-match': OTHER }, 'GET', 'proceed'],
    ['If-None-Match malformed', { 'if-none-match': `${ETAG} junk` }, 'GET', 'proceed'],
    ['If-None-Match tags without comma', { 'if-none-match': `${OTHER} ${ETAG}` }, 'GET', 'proceed'],
    // If-Modified-Since, §13.1.3
    ['If-Modified-Since equal', { 'if-modified-since': LM }, 'GET', 304],
    ['If-Modified-Since later', { 'if-modified-since': AFTER }, 'HEAD', 304],
    ['If-Modified-Since earlier', { 'if-modified-since': BEFORE }, 'GET', 'proceed'],
    ['If-Modified-Since ignored for POST', { 'if-modified-since': LM }, 'POST', 'proceed'],
    ['If-Modified-Since invalid is ignored', { 'if-modified-since': 'soon' }, 'GET', 'proceed'],
    ['If-Modified-Since RFC 850', { 'if-modified-since': 'Sunday, 06-Nov-94 08:49:37 GMT' }, 'GET', 304],
    ['If-Modified-Since asctime', { 'if-modified-since': 'Sun Nov  6 08:49:37 1994' }, 'GET', 304],
    // order: If-None-Match makes If-Modified-Since irrelevant (step 4)
    [
      'If-None-Match mismatch beats If-Modified-Since',
      { 'if-none-match': OTHER, 'if-modified-since': LM },
      'GET',
      'proceed',
    ],
    // order: If-Match (step 1) is evaluated before If-None-Match (step 3)
    ['If-Match fails first', { 'if-match': OTHER, 'if-none-match': ETAG }, 'GET', 412],
    ['If-Match passes, If-None-Match matches', { 'if-match': ETAG, 'if-none-match': ETAG }, 'GET', 304],
    [
      'If-Unmodified-Since fails before If-None-Match',
      { 'if-unmodified-since': BEFORE, 'if-none-match': ETAG },
      'GET',
      412,
    ],
    [
      'If-Unmodified-Since fails before If-Modified-Since',
      { 'if-unmodified-since': BEFORE, 'if-modified-since': LM },
      'GET',
      412,
    ],
  ];
  it.each(rows)('%s', (_name, headers, method, expected) => {
    expect(evaluatePreconditions(headers, { etag: ETAG, lastModifiedMs: LM_MS, method })).toEqual({
      status: expected,
    });
  });

  it('joins repeated header lines as one list', () => {
    const headers = { 'if-none-match': [OTHER, ETAG] };
    expect(evaluatePreconditions(headers, { etag: ETAG, lastModifiedMs: LM_MS, method: 'GET' })).toEqual({
      status: 304,
    });
  });
});

describe('ifRangeAllowsRange (RFC 9110 §13.1.5)', () => {
  const LATER = LM_MS + 60_000;
  type Row = [name: string, value: string | string[] | undefined, dateMs: number, expected: boolean];
  const rows: Row[] = [
    ['absent', undefined, LATER, true],
    ['same strong tag', ETAG, LATER, true],
    ['same strong tag with spaces', ` ${ETAG} `, LATER, true],
    ['other tag', OTHER, LATER, false],
    ['weak tag never matches', `W/${ETAG}`, LATER, false],
    ['tag with trailing junk', `${ETAG}x`, LATER, false],
    ['unterminated tag', ETAG.slice(0, -1), LATER, false],
    ['exact Last-Modified date', LM, LATER, true],
    ['exact date in RFC 850 form', 'Sunday, 06-Nov-94 08:49:37 GMT', LATER, true],
    ['exact date in asctime form', 'Sun Nov  6 08:49:37 1994', LATER, true],
    ['later date is not an exact match', AFTER, LATER, false],
    ['earlier date', BEFORE, LATER, false],
    ['unparsable date', 'Sun, 06 Nov 1994', LATER, false],
    ['garbage', 'yes please', LATER, false],
    ['empty', '', LATER, false],
    // §8.8.2.2: Last-Modified in the same second as Date is weak, so never matches
    ['date match, but Last-Modified is weak', LM, LM_MS + 500, false],
    ['date match, Date exactly one second later', LM, LM_MS - 250 + 1000, true],
    ['one value in an array', [ETAG], LATER, true],
    ['repeated field', [ETAG, ETAG], LATER, false],
  ];
  it.each(rows)('%s', (_name, value, dateMs, expected) => {
    expect(ifRangeAllowsRange(value, { etag: ETAG, lastModifiedMs: LM_MS, dateMs })).toBe(expected);
  });

  it('a weak current ETag never matches either', () => {
    expect(ifRangeAllowsRange(OTHER, { etag: `W/${OTHER}`, lastModifiedMs: LM_MS, dateMs: LATER })).toBe(
      false,
    );
  });
});

describe('HTTP-date (RFC 9110 §5.6.7)', () => {
  const T = Date.UTC(1994, 10, 6, 8, 49, 37);
  const NOW = Date.UTC(2025, 0, 1);
  it('formats IMF-fixdate, dropping milliseconds', () => {
    expect(formatHttpDate(T + 999)).toBe(LM);
    expect(formatHttpDate(Date.UTC(2000, 0, 2, 3, 4, 5))).toBe('Sun, 02 Jan 2000 03:04:05 GMT');
    expect(formatHttpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });
  it('refuses an invalid time', () => {
    expect(() => formatHttpDate(Number.NaN)).toThrow(RangeError);
  });

  type Row = [value: string | undefined, expected: number | undefined];
  const rows: Row[] = [
    [LM, T],
    [` ${LM} `, T],
    ['Sunday, 06-Nov-94 08:49:37 GMT', T],
    ['Sun Nov  6 08:49:37 1994', T],
    ['Sun Nov 06 08:49:37 1994', T],
    ['Sat, 29 Feb 2020 00:00:00 GMT', Date.UTC(2020, 1, 29)],
    ['Tue, 31 Dec 2024 23:59:59 GMT', Date.UTC(2024, 11, 31, 23, 59, 59)],
    ['Mon, 01 Jan 0001 00:00:00 GMT', new Date('0001-01-01T00:00:00Z').getTime()],
    // leap second folds into the next minute
    ['Wed, 31 Dec 2008 23:59:60 GMT', Date.UTC(2009, 0, 1)],
    // RFC 850 two-digit years: more than 50 years ahead means the previous century
    ['Wednesday, 01-Jan-70 00:00:00 GMT', Date.UTC(2070, 0, 1)],
    ['Monday, 01-Jan-75 00:00:00 GMT', Date.UTC(2075, 0, 1)],
    ['Saturday, 01-Jan-50 00:00:00 GMT', Date.UTC(2050, 0, 1)],
    ['Sunday, 01-Jan-76 00:00:00 GMT', Date.UTC(1976, 0, 1)],
    [undefined, undefined],
    ['', undefined],
    ['sun, 06 nov 1994 08:49:37 gmt', undefined],
    ['Sun, 06 Nov 1994 08:49:37 UTC', undefined],
    ['Sun, 6 Nov 1994 08:49:37 GMT', undefined],
    ['Sun, 06 Nov 94 08:49:37 GMT', undefined],
    ['Sun, 06 Nov 1994 08:49 GMT', undefined],
    ['Sun, 06 Nov 1994 24:00:00 GMT', undefined],
    ['Sun, 06 Nov 1994 08:60:00 GMT', undefined],
    ['Sun, 06 Nov 1994 08:49:61 GMT', undefined],
    ['Thu, 30 Feb 2020 00:00:00 GMT', undefined],
    ['Thu, 00 Jan 2020 00:00:00 GMT', undefined],
    ['Sun, 06 Foo 1994 08:49:37 GMT', undefined],
    ['Sun,  06 Nov 1994 08:49:37 GMT', undefined],
    ['Sun 06 Nov 1994 08:49:37 GMT', undefined],
    ['Sun, 06-Nov-94 08:49:37 GMT', undefined],
    ['Sunday, 06 Nov 1994 08:49:37 GMT', undefined],
    ['Sun Nov 6 08:49:37 1994', undefined],
    ['1994-11-06T08:49:37Z', undefined],
    ['784111777', undefined],
  ];
  it.each(rows)('parses %j', (value, expected) => {
    expect(parseHttpDate(value, NOW)).toBe(expected);
  });

  it('round-trips formatted dates', () => {
    for (const ms of [0, T, Date.UTC(2038, 0, 19, 3, 14, 8), Date.UTC(9999, 11, 31, 23, 59, 59)]) {
      expect(parseHttpDate(formatHttpDate(ms))).toBe(ms);
    }
  });
});
