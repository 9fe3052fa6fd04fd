// The engine's inline fast path: a small range whose pages are cached is sent inside
// submit() (no worker hand-off, nothing reported later); a large one goes to a worker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  inlineBytes,
  loadSendfileEngine,
  type TransferResult,
} from '../src/sendfile/binding.js';
import { testBytes } from './support/appliance-fixture.js';

const loaded = loadSendfileEngine();

describe.skipIf(!loaded.ok)('sendfile engine inline path', () => {
  let dir: string;
  let file: string;
  const bytes = testBytes(4 * 1024 * 1024, 'inline');
  const done: TransferResult[] = [];
  let engine: ReturnType<typeof createEngine>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-inline-'));
    file = join(dir, 'f');
    // Just written, so every page is in the page cache.
    writeFileSync(file, bytes);
    if (!loaded.ok) return;
    engine = createEngine(loaded.binding, { onDone: (r) => done.push(r) });
  });
  afterAll(() => {
    engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A connected pair: the server side's fd for the engine, the client side to read. */
  async function pair(): Promise<{ server: Socket; client: Socket; received: () => Buffer }> {
    const chunks: Buffer[] = [];
    return new Promise((resolve) => {
      const srv = createServer((server) => {
        srv.close();
        resolve({ server, client, received: () => Buffer.concat(chunks) });
      }).listen(0, '127.0.0.1', () => {});
      let client: Socket;
      srv.on('listening', () => {
        client = connect((srv.address() as { port: number }).port, '127.0.0.1');
        client.on('data', (c: Buffer) => chunks.push(c));
      });
    });
  }

  const fdOf = (s: Socket) => (s as unknown as { _handle: { fd: number } })._handle.fd;

  it('completes a small cached range inside submit()', async () => {
    const { server, client, received } = await pair();
    const r = engine.submit(fdOf(server), file, [{ kind: 'file', offset: 4096, length: 65_536 }]);
    expect(inlineBytes(r)).toBe(65_536);
    for (let i = 0; i < 100 && received().length < 65_536; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(received().equals(bytes.subarray(4096, 4096 + 65_536))).toBe(true);
    expect(done.length).toBe(0);
    server.destroy();
    client.destroy();
  });

  it('hands a large range to a worker and reports it later', async () => {
    const { server, client, received } = await pair();
    const r = engine.submit(fdOf(server), file, [{ kind: 'file', offset: 0, length: bytes.length }]);
    expect(inlineBytes(r)).toBeNull();
    for (let i = 0; i < 500 && done.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(done[0]).toMatchObject({ id: r, status: 'ok', bytes: bytes.length });
    for (let i = 0; i < 200 && received().length < bytes.length; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(received().equals(bytes)).toBe(true);
    server.destroy();
    client.destroy();
  });
});
