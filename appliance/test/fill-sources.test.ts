// Escalation between sources: a corrupted object at the origin is never served and the file
// comes from the next source, a second real appliance (a peer, serving through its data
// plane with a fill token bound to the filling appliance's address); an origin that is down
// gives way to the peer too. Control hears about the corrupt source and the errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, type S3Server } from '@ferry/harness';
import { formatKeyFile, generateKey, signToken, tokenQuery } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeControl } from './agent-fake-control.js';
import { type Fixture, startFixture, testBytes } from './support/appliance-fixture.js';
import {
  holds,
  manifestFile,
  manifestOf,
  metricsOf,
  metricValue,
  origin,
  peer,
  s3Origin,
  sha256,
  startFiller,
  startOrigin,
} from './support/fill-fixture.js';
import { get } from './support/http-client.js';

const ID = 't0002-v1750k';
const GOOD = testBytes(1_000_000, ID);
const key = generateKey('fill-k1');

let s3: S3Server;
let dir: string;
let peerFx: Fixture;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-src-'));
  // The origin's copy has one byte changed: same size, wrong sha256.
  const bad = Buffer.from(GOOD);
  bad[bad.length >> 1]! ^= 0xff;
  s3 = await startOrigin({ [ID]: bad });
  const keyFile = join(dir, 'keys');
  writeFileSync(keyFile, formatKeyFile([key]), { mode: 0o600 });
  // The peer checks URL tokens, as every appliance with a key file does.
  peerFx = await startFixture({
    files: { [ID]: GOOD.length },
    config: { id: 'peer-1', open: false, tokenKeyFile: keyFile },
  });
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await peerFx?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The peer's URL for the file, with a fill token bound to the filling appliance's address. */
function peerUrl(): string {
  const prefix = '127.0.0.1/32';
  const token = signToken({
    key,
    fileId: ID,
    expiresAt: Math.floor(Date.now() / 1000) + 600,
    clientPrefix: prefix,
  });
  return `${peerFx.url}/v1/c/${ID}?${tokenQuery(token, prefix)}`;
}

async function filler(id: string, originSettings: ReturnType<typeof s3Origin>) {
  const control = await new FakeControl().start();
  cleanups.push(() => control.stop());
  control.manifests.set(
    id,
    manifestOf(id, [manifestFile(ID, GOOD, [origin(ID), peer('peer-1', peerUrl())])]),
  );
  // Capped so that the fill takes a while and the test can watch what is served meanwhile.
  const fx = await startFiller(control, {
    id,
    dir,
    fill: { origin: originSettings, rateBytesPerSec: 2_000_000 },
  });
  cleanups.push(() => fx.stop());
  return { control, fx };
}

describe('fill sources', () => {
  it('never serves a corrupted origin object, and fills from the peer instead', async () => {
    const { control, fx } = await filler('fill-corrupt', s3Origin(s3));
    // Until the verified file is in, every answer is 404; after, the good bytes only.
    const answers: string[] = [];
    await eventually(
      async () => {
        const r = await get(`${fx.url}/v1/c/${ID}`);
        if (r.status === 200) answers.push(r.body.equals(GOOD) ? 'good' : 'BAD');
        else answers.push(String(r.status));
        return r.status === 200;
      },
      { what: 'the file served', timeoutMs: 20_000, intervalMs: 30 },
    );
    expect(answers.at(-1)).toBe('good');
    expect(new Set(answers)).toEqual(new Set(['404', 'good']));
    expect(answers.filter((a) => a === '404').length).toBeGreaterThan(3);
    expect(holds(fx, ID, sha256(GOOD))).toBe(true);
    await eventually(
      () =>
        expect(control.heartbeats.flatMap((hb) => hb.body.fill?.corrupt ?? [])).toEqual([
          { fileId: ID, source: 'origin' },
        ]),
      { what: 'the corrupt source reported to control', timeoutMs: 5000 },
    );
    const text = await metricsOf(fx);
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="corrupt"}')).toBe(1);
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="filled"}')).toBe(1);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}')).toBe(GOOD.length);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="peer"}')).toBe(GOOD.length);
    // The bad bytes went with their partial.
    expect(fx.app.store.partials()).toEqual([]);
  });

  it('fills from the peer when the origin is down', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const { control, fx } = await filler('fill-down', { ...s3Origin(s3), endpoint: down });
    await eventually(() => holds(fx, ID, sha256(GOOD)), {
      what: 'the file filled',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect((await get(`${fx.url}/v1/c/${ID}`)).body.equals(GOOD)).toBe(true);
    const fill = await eventually(
      () => {
        const f = control.heartbeats.at(-1)?.body.fill;
        expect(f).toMatchObject({ held: 1, failed: 0, corrupt: [] });
        return f!;
      },
      { what: 'a heartbeat with the file held', timeoutMs: 5000 },
    );
    expect(fill.errors[0]).toMatchObject({ fileId: ID, source: 'origin' });
    expect(fill.errors[0]!.error).toMatch(/ECONNREFUSED|connect/i);
    const text = await metricsOf(fx);
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="error"}')).toBe(1);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}')).toBe(0);
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="peer"}')).toBe(GOOD.length);
  });
});
