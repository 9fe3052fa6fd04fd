import { describe, expect, it } from 'vitest';
import { buildMultipart, type MultipartBody, randomBoundary } from '../src/http/multipart.js';
import type { ByteRange } from '../src/http/range.js';

const FILE = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff));

function assemble(body: MultipartBody, file: Buffer): Buffer {
  return Buffer.concat(
    body.parts.map((p) => (p.kind === 'bytes' ? p.data : file.subarray(p.offset, p.offset + p.length))),
  );
}

interface ParsedPart {
  headers: Record<string, string>;
  data: Buffer;
}

// A deliberately small reader for RFC 2046 §5.1.1 framing: body starts with the
// dash-boundary, parts are separated by CRLF "--" boundary, and it ends with the close
// delimiter CRLF "--" boundary "--" (an optional CRLF epilogue after it).
function parseMultipart(body: Buffer, contentType: string): ParsedPart[] {
  const m = /^multipart\/byteranges; boundary=([^;\s]+)$/.exec(contentType);
  if (!m) throw new Error(`unexpected content type ${contentType}`);
  const open = Buffer.from(`--${m[1]}\r\n`, 'latin1');
  const delimiter = Buffer.from(`\r\n--${m[1]}`, 'latin1');
  if (!body.subarray(0, open.length).equals(open)) throw new Error('body does not start with the boundary');
  const parts: ParsedPart[] = [];
  let pos = open.length;
  for (;;) {
    const headEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd < 0) throw new Error('part without header end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const dataStart = headEnd + 4;
    const next = body.indexOf(delimiter, dataStart);
    if (next < 0) throw new Error('part without closing delimiter');
    parts.push({ headers, data: body.subarray(dataStart, next) });
    const after = body.subarray(next + delimiter.length, next + delimiter.length + 2).toString('latin1');
    if (after === '--') {
      const rest = body.subarray(next + delimiter.length + 2).toString('latin1');
      if (rest !== '\r\n') throw new Error(`unexpected epilogue ${JSON.stringify(rest)}`);
      return parts;
    }
    if (after !== '\r\n') throw new Error('delimiter not followed by CRLF');
    pos = next + delimiter.length + 2;
  }
}

describe('buildMultipart (RFC 9110 §14.6)', () => {
  const cases: [string, ByteRange[]][] = [
    [
      'two ranges',
      [
        { start: 0, end: 99 },
        { start: 900, end: 999 },
      ],
    ],
    [
      'one-byte ranges',
      [
        { start: 0, end: 0 },
        { start: 999, end: 999 },
        { start: 500, end: 500 },
      ],
    ],
    [
      'out of order, as asked',
      [
        { start: 500, end: 599 },
        { start: 0, end: 9 },
      ],
    ],
    ['a single range', [{ start: 10, end: 19 }]],
    [
      'the whole file twice',
      [
        { start: 0, end: 999 },
        { start: 0, end: 999 },
      ],
    ],
    [
      'data that looks like CRLF framing',
      [
        { start: 1, end: 2 },
        { start: 3, end: 30 },
      ],
    ],
  ];

  it.each(cases)('%s: framing parses back to the requested bytes', (_name, ranges) => {
    const body = buildMultipart(ranges, {
      size: FILE.length,
      contentType: 'video/mp4',
      boundary: 'TEST-b0undary',
    });
    expect(body.contentType).toBe('multipart/byteranges; boundary=TEST-b0undary');
    const raw = assemble(body, FILE);
    expect(raw.length).toBe(body.contentLength);
    const parts = parseMultipart(raw, body.contentType);
    expect(parts).toHaveLength(ranges.length);
    parts.forEach((p, i) => {
      const r = ranges[i]!;
      expect(p.headers).toEqual({
        'content-type': 'video/mp4',
        'content-range': `bytes ${r.start}-${r.end}/1000`,
      });
      expect(p.data.equals(FILE.subarray(r.start, r.end + 1))).toBe(true);
    });
  });

  it('has exactly the framing bytes we expect', () => {
    const body = buildMultipart(
      [
        { start: 0, end: 1 },
        { start: 8, end: 9 },
      ],
      { size: 10, contentType: 'text/plain', boundary: 'B' },
    );
    const raw = assemble(body, Buffer.from('0123456789')).toString('latin1');
    expect(raw).toBe(
      '--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01' +
        '\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\n89' +
        '\r\n--B--\r\n',
    );
    expect(body.contentLength).toBe(raw.length);
  });

  it('alternates framing bytes and file slices, without copying range data', () => {
    const body = buildMultipart(
      [
        { start: 0, end: 99 },
        { start: 200, end: 299 },
      ],
      { size: 1000, contentType: 'video/mp4' },
    );
    expect(body.parts.map((p) => p.kind)).toEqual(['bytes', 'file', 'bytes', 'file', 'bytes']);
    expect(body.parts[1]).toEqual({ kind: 'file', offset: 0, length: 100 });
    expect(body.parts[3]).toEqual({ kind: 'file', offset: 200, length: 100 });
  });

  it('draws a fresh random boundary by default', () => {
    const a = buildMultipart([{ start: 0, end: 0 }], { size: 1, contentType: 'video/mp4' });
    const b = buildMultipart([{ start: 0, end: 0 }], { size: 1, contentType: 'video/mp4' });
    expect(a.contentType).toMatch(/^multipart\/byteranges; boundary=ferry-[0-9a-f]{32}$/);
    expect(a.contentType).not.toBe(b.contentType);
    expect(randomBoundary()).toMatch(/^ferry-[0-9a-f]{32}$/);
  });

  it.each([
    ['no ranges', [], 'video/mp4', 'B'],
    ['range past the end', [{ start: 0, end: 1000 }], 'video/mp4', 'B'],
    ['inverted range', [{ start: 5, end: 4 }], 'video/mp4', 'B'],
    ['negative start', [{ start: -1, end: 4 }], 'video/mp4', 'B'],
    ['header injection in content type', [{ start: 0, end: 1 }], 'video/mp4\r\nX-Evil: 1', 'B'],
    ['boundary with a space', [{ start: 0, end: 1 }], 'video/mp4', 'a b'],
    ['empty boundary', [{ start: 0, end: 1 }], 'video/mp4', ''],
    ['boundary over 70 characters', [{ start: 0, end: 1 }], 'video/mp4', 'x'.repeat(71)],
  ] as [string, ByteRange[], string, string][])('refuses %s', (_name, ranges, contentType, boundary) => {
    expect(() => buildMultipart(ranges, { size: 1000, contentType, boundary })).toThrow(RangeError);
  });
});
