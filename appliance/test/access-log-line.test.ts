// The access log builds its lines itself; they must read exactly as pino's did.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type AccessEntry, accessLine } from '../src/ops/logger.js';

function pinoLine(entry: AccessEntry, timeMs: number): string {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const logger = pino({ base: undefined, messageKey: 'msg', timestamp: () => `,"time":${timeMs}` }, sink);
  logger.info(entry, 'access');
  return out;
}

describe('accessLine', () => {
  const entries: AccessEntry[] = [
    {
      method: 'GET',
      path: '/v1/c/t0001-v3000k',
      fileId: 't0001-v3000k',
      status: 206,
      bytes: 65536,
      bodyPath: 'sendfile',
      outcome: 'ok',
      range: 'bytes=0-65535',
      client: '127.0.0.1',
      ms: 0.042,
    },
    { method: 'GET', path: '/v1/c/x"y\\z\u0001\u2028', status: 400, bytes: 0, ms: 1 },
    {
      method: 'HEAD',
      path: '/v1/c/a',
      fileId: 'a',
      status: 500,
      bytes: 0,
      outcome: 'ENOENT',
      client: '::1',
      ms: 12.5,
    },
  ];

  it.each(entries)('reads as pino wrote it: %o', (entry) => {
    const ours = accessLine(entry, 1_796_141_907_295);
    const theirs = pinoLine(entry, 1_796_141_907_295);
    expect(ours.endsWith('\n')).toBe(true);
    expect(JSON.parse(ours)).toEqual(JSON.parse(theirs));
    // Same fields in the same order.
    expect(Object.keys(JSON.parse(ours))).toEqual(Object.keys(JSON.parse(theirs)));
  });
});
