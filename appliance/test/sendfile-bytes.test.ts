// The body senders put exactly the right bytes on the wire, in order, including several
// pipelined requests on one keep-alive connection.

import { get } from 'node:http';
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exchange,
  expected,
  type Fixture,
  parseParts,
  request,
  senderKinds,
  splitResponses,
  startFixture,
} from './sendfile-fixture.js';

const SIZE = 8 * 1024 * 1024;

function fetchBody(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe.each(senderKinds)('%s sender: bytes on the wire', (kind) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture(kind, { size: SIZE });
  });
  afterAll(() => fx.stop());

  it.each([
    ['a whole file', `f:0:${SIZE}`],
    ['a single range', 'f:1000:50000'],
    ['a one-byte range', 'f:4095:1'],
    ['an empty body', ''],
    ['bytes only', 'b:hello,b:world'],
    ['a multipart-like body', `b:--sep,f:0:100,b:--sep,f:${SIZE - 100}:100,b:--sep--`],
    ['many small parts', Array.from({ length: 200 }, (_, i) => `f:${i * 997}:${i + 1}`).join(',')],
  ])('serves %s', async (_name, spec) => {
    const before = fx.outcomes.length;
    const r = await fetchBody(fx.port, `/?p=${spec}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(expected(fx.data, parseParts(spec)))).toBe(true);
    expect(await eventually(() => fx.outcomes.length > before, { timeoutMs: 5000, intervalMs: 20 })).toBe(
      true,
    );
    expect(fx.outcomes[before]).toMatchObject({ ok: true, path: kind, bytes: r.body.length });
  });

  it('answers pipelined requests on one connection in order with the right bytes', async () => {
    const specs = [
      `f:0:${2 * 1024 * 1024}`,
      'b:head,f:77:5',
      'f:3000000:1500000',
      '',
      `f:${SIZE - 10}:10`,
      'b:x',
    ];
    const text = specs.map((s, i) => request(`/?p=${s}`, i === specs.length - 1)).join('');
    const responses = splitResponses(await exchange(fx.port, text));
    expect(responses.map((r) => r.status)).toEqual(specs.map(() => 200));
    responses.forEach((r, i) => {
      expect(r.body.equals(expected(fx.data, parseParts(specs[i]!)))).toBe(true);
    });
  });

  it('closes the connection and reports OPEN_FAILED when the file cannot be opened', async () => {
    fx.servePath = `${fx.file}.missing`;
    try {
      const before = fx.outcomes.length;
      const raw = await exchange(fx.port, request('/?p=f:0:100'));
      if (kind === 'sendfile') {
        // The engine sends the headers in front of the body, after opening the file: a
        // file that cannot be opened leaves the client with a closed connection and no
        // response rather than a promise of bytes that never come.
        expect(raw.length).toBe(0);
      } else {
        expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 200/);
        expect(() => splitResponses(raw)).toThrow(/truncated body/);
      }
      expect(await eventually(() => fx.outcomes.length > before, { timeoutMs: 5000, intervalMs: 20 })).toBe(
        true,
      );
      expect(fx.outcomes[before]).toMatchObject({ ok: false, error: 'FERRY_SEND_OPEN_FAILED' });
    } finally {
      fx.servePath = undefined;
    }
  });

  it('reports SHORT_FILE when the range runs past the end of the file', async () => {
    const before = fx.outcomes.length;
    const raw = await exchange(fx.port, request(`/?p=f:${SIZE - 10}:20`));
    expect(() => splitResponses(raw)).toThrow(/truncated body/);
    expect(await eventually(() => fx.outcomes.length > before, { timeoutMs: 5000, intervalMs: 20 })).toBe(
      true,
    );
    expect(fx.outcomes[before]).toMatchObject({ ok: false, error: 'FERRY_SEND_SHORT_FILE', bytes: 10 });
  });
});
