// Partial downloads across a crash: `ferry appliance` (a real process) killed with SIGKILL
// in the middle of a fill resumes from the bytes its partial holds after the restart (a
// ranged GetObject from there), and the file is never served before it is whole and
// verified. A partial whose bytes are wrong, or longer than the file, is discarded.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type S3Server } from '@ferry/harness';
import { parsePublicKey } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityKey } from '../src/identity/identity-key.js';
import { FakeControl } from './agent-fake-control.js';
import { testBytes } from './support/appliance-fixture.js';
import { type RunningAppliance, startApplianceProcess } from './support/appliance-process.js';
import {
  BUCKET,
  holds,
  manifestFile,
  manifestOf,
  metricValue,
  origin,
  PREFIX,
  s3Origin,
  sha256,
  startFiller,
  startOrigin,
} from './support/fill-fixture.js';
import { get } from './support/http-client.js';

const ID = 't0003-v3000k';
const BYTES = testBytes(3_000_000, ID);
const PARTIAL = `${ID}+${sha256(BYTES).slice(0, 16)}`;

let s3: S3Server;
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-fill-resume-'));
  s3 = await startOrigin({ [ID]: BYTES });
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function fakeControl(id: string): Promise<FakeControl> {
  const control = await new FakeControl().start();
  cleanups.push(() => control.stop());
  control.manifests.set(id, manifestOf(id, [manifestFile(ID, BYTES, [origin(ID)])]));
  return control;
}

/** Every answer for the file until it is served: 404 before, the whole good file after. */
async function watchUntilServed(url: string): Promise<Set<string>> {
  const answers = new Set<string>();
  await eventually(
    async () => {
      const r = await get(`${url}/v1/c/${ID}`);
      answers.add(r.status === 200 ? (r.body.equals(BYTES) ? 'good' : 'BAD') : String(r.status));
      return r.status === 200;
    },
    { what: 'the file served', timeoutMs: 30_000, intervalMs: 50 },
  );
  return answers;
}

describe('partial downloads', () => {
  it('resumes after kill -9 mid-fill, and serves the file only once it is whole', async () => {
    const control = await fakeControl('resume-1');
    const identity = join(dir, 'resume-1.identity');
    control.trust('resume-1', parsePublicKey(await createIdentityKey(identity))!);
    const store = join(dir, 'store-resume');
    const args = (rate: number) =>
      [
        ['--id', 'resume-1'],
        ['--listen', '127.0.0.1:0'],
        ['--store', store],
        ['--open'],
        ['--access-log', 'off'],
        ['--log-level', 'warn'],
        ['--control', control.url],
        ['--identity-key', identity],
        ['--fill', 'on'],
        ['--origin', `s3://${BUCKET}/${PREFIX}`],
        ['--origin-endpoint', s3.endpoint],
        ['--fill-rate', String(rate)],
        ['--fill-manifest-interval', '1'],
      ].flat();
    const start = async (rate: number) => {
      const app = await startApplianceProcess(args(rate), 15_000, s3.env());
      cleanups.push(() => {
        if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
      });
      return app;
    };
    // Slow enough (3 MB at 500 kB/s) to be cut in the middle.
    const first: RunningAppliance = await start(500_000);
    const partialPath = join(store, '.ferry', 'partial', PARTIAL);
    await eventually(() => statSync(partialPath, { throwIfNoEntry: false })!.size > 600_000, {
      what: 'a partial under way',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect((await get(`${first.url}/v1/c/${ID}`)).status).toBe(404);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    const kept = statSync(partialPath).size;
    expect(kept).toBeGreaterThan(600_000);
    expect(kept).toBeLessThan(BYTES.length);

    const second = await start(2_000_000);
    const answers = await watchUntilServed(second.url);
    expect(answers).toEqual(new Set(['404', 'good']));
    // Only the rest was fetched: a ranged read from the partial's length.
    const text = await (await fetch(`${second.adminUrl}/metrics`)).text();
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}')).toBe(
      BYTES.length - kept,
    );
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="filled"}')).toBe(1);
    expect(readdirSync(join(store, '.ferry', 'partial'))).toEqual([]);
  });

  it.each([
    ['whose bytes are wrong', 1_000_000, 2 * BYTES.length - 1_000_000],
    ['longer than the file', BYTES.length + 10, BYTES.length],
  ])('discards a partial %s and fetches the file again, blaming no source', async (what, length, fetched) => {
    const id = `discard-${length}`;
    const control = await fakeControl(id);
    // A leftover partial of the right name whose bytes are not the file's.
    const store = join(dir, id);
    mkdirSync(join(store, '.ferry', 'partial'), { recursive: true });
    writeFileSync(join(store, '.ferry', 'partial', PARTIAL), testBytes(length, `not-${ID}`));
    const fx = await startFiller(control, {
      id,
      dir,
      fill: { origin: s3Origin(s3) },
      config: { stores: [store] },
    });
    cleanups.push(() => fx.stop());
    expect(await watchUntilServed(fx.url)).not.toContain('BAD');
    expect(holds(fx, ID, sha256(BYTES))).toBe(true);
    const text = await (await fetch(`${fx.adminUrl}/metrics`)).text();
    expect(metricValue(text, 'ferry_appliance_fill_bytes_total{source_kind="origin"}'), what).toBe(fetched);
    expect(metricValue(text, 'ferry_appliance_fill_files_total{result="corrupt"}')).toBe(0);
    expect(control.heartbeats.flatMap((hb) => hb.body.fill?.corrupt ?? [])).toEqual([]);
  });
});
