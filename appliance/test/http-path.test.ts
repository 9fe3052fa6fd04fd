import { describe, expect, it } from 'vitest';
import { Errors } from '../src/errors.js';
import { type ContentPath, parseContentPath } from '../src/http/path.js';

const file = (fileId: string, pathRange?: { start: number; end: number }): ContentPath =>
  pathRange ? { kind: 'file', fileId, pathRange } : { kind: 'file', fileId };
const err = (error: 'BAD_FILE_ID' | 'BAD_RANGE_PATH' | 'BAD_PATH'): ContentPath => ({ kind: 'error', error });

describe('parseContentPath', () => {
  const rows: [string, ContentPath][] = [
    // accepted forms
    ['/v1/c/abc', file('abc')],
    ['/v1/c/title-1_720p.mp4', file('title-1_720p.mp4')],
    ['/v1/c/a.b.c', file('a.b.c')],
    ['/v1/c/-x', file('-x')],
    [`/v1/c/${'a'.repeat(128)}`, file('a'.repeat(128))],
    ['/v1/c/%41bc', file('Abc')],
    ['/v1/c/abc/range/0-99', file('abc', { start: 0, end: 99 })],
    ['/v1/c/abc/range/5-5', file('abc', { start: 5, end: 5 })],
    ['/v1/c/abc/range/0-9007199254740991', file('abc', { start: 0, end: 9007199254740991 })],
    // file id shape
    ['/v1/c/', err('BAD_FILE_ID')],
    [`/v1/c/${'a'.repeat(129)}`, err('BAD_FILE_ID')],
    ['/v1/c/.hidden', err('BAD_FILE_ID')],
    ['/v1/c/..', err('BAD_FILE_ID')],
    ['/v1/c/.', err('BAD_FILE_ID')],
    ['/v1/c/a..b', err('BAD_FILE_ID')],
    ['/v1/c/a b', err('BAD_FILE_ID')],
    ['/v1/c/a%20b', err('BAD_FILE_ID')],
    ['/v1/c/a:b', err('BAD_FILE_ID')],
    ['/v1/c/é', err('BAD_FILE_ID')],
    ['/v1/c/%C3%A9', err('BAD_FILE_ID')],
    ['/v1/c/a%252e%252e', err('BAD_FILE_ID')],
    ['/v1/c/%252e%252e', err('BAD_FILE_ID')],
    // escapes: encoded dots, slashes, backslashes and NUL; raw NUL and backslash
    ['/v1/c/..%2Fetc', err('BAD_PATH')],
    ['/v1/c/..%2fetc%2fpasswd', err('BAD_PATH')],
    ['/v1/c/%2e%2e', err('BAD_PATH')],
    ['/v1/c/%2E%2E', err('BAD_PATH')],
    ['/v1/c/%2e', err('BAD_PATH')],
    ['/v1/c/a%2eb', err('BAD_PATH')],
    ['/v1/c/a%00b', err('BAD_PATH')],
    ['/v1/c/a\0b', err('BAD_PATH')],
    ['/v1/c/a%5cb', err('BAD_PATH')],
    ['/v1/c/..\\etc', err('BAD_PATH')],
    ['/v1/c/a%zz', err('BAD_PATH')],
    ['/v1/c/a%', err('BAD_PATH')],
    ['/v1/c/%E0%A4%A', err('BAD_PATH')],
    [`/v1/c/${'%41'.repeat(129)}`, err('BAD_PATH')],
    // path shape
    ['/v1/c', err('BAD_PATH')],
    ['/v1/content/abc', err('BAD_PATH')],
    ['/v2/c/abc', err('BAD_PATH')],
    ['//v1/c/abc', err('BAD_PATH')],
    ['/V1/C/abc', err('BAD_PATH')],
    ['/v1/c/abc/', err('BAD_PATH')],
    ['/v1/c//abc', err('BAD_PATH')],
    ['/v1/c/abc/extra', err('BAD_PATH')],
    ['/v1/c/abc/ranges/0-1', err('BAD_PATH')],
    ['/v1/c/abc/RANGE/0-1', err('BAD_PATH')],
    ['/v1/c/abc/range/0-1/', err('BAD_PATH')],
    ['/v1/c/abc/range/0-1/x', err('BAD_PATH')],
    ['/v1/c/../c/abc', err('BAD_PATH')],
    ['/v1/c/../etc', err('BAD_PATH')],
    ['/v1/c/abc/range', err('BAD_PATH')],
    // path range
    ['/v1/c/abc/range/', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/5-4', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/0-', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/-5', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/a-b', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/0-1-2', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/+1-2', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/0%2D1', err('BAD_RANGE_PATH')],
    ['/v1/c/abc/range/0-9007199254740992', err('BAD_RANGE_PATH')],
    [`/v1/c/abc/range/0-${'9'.repeat(300)}`, err('BAD_RANGE_PATH')],
    // the id is checked before the range
    ['/v1/c/.x/range/5-4', err('BAD_FILE_ID')],
  ];

  it.each(rows)('%j', (pathname, expected) => {
    expect(parseContentPath(pathname)).toEqual(expected);
  });

  it('names only errors that exist in the catalogue', () => {
    for (const name of ['BAD_FILE_ID', 'BAD_RANGE_PATH', 'BAD_PATH'] as const) {
      expect(Errors[name].status).toBe(400);
    }
  });
});
