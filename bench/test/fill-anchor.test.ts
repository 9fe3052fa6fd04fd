// The anchor half of `ferry bench fill`, for real: generated content uploaded to s3rver with
// `ferry origin upload`, then the anchor downloader (its own process) pulling the fill set
// through the counting proxy. The files on disk are the catalog's bytes, the proxy counted
// one GET per file and exactly the set's bytes (three times for three downloaders), and an
// object whose bytes disagree with what was asked is reported and never renamed into place.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateContent } from '@ferry/appliance';
import { ProcessGroup } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnchors } from '../src/fill/anchor.js';
import type { AnchorJob } from '../src/fill/anchor-child.js';
import { originReads } from '../src/fill/counting-proxy.js';
import { type BenchOrigin, startBenchOrigin } from '../src/fill/origin.js';
import { type FillPlan, splitCatalog } from '../src/fill/plan.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

describe('ferry bench fill: the anchor', () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-fill-anchor-'));
  const group = new ProcessGroup();
  let origin: BenchOrigin;
  let plan: FillPlan;
  const job = (outDir: string, over: Partial<AnchorJob> = {}): AnchorJob => ({
    endpoint: origin.proxy.url,
    bucket: origin.bucket,
    prefix: origin.prefix,
    objects: plan.fill,
    concurrency: 2,
    outDir,
    ...over,
  });
  const run = (jobs: AnchorJob[]) =>
    runAnchors({
      group,
      repoRoot: REPO_ROOT,
      jobPathBase: join(root, 'job'),
      jobs,
      env: origin.env,
      timeoutMs: 60_000,
    });

  beforeAll(async () => {
    const contentDir = join(root, 'content');
    const { catalog } = generateContent({ out: contentDir, titles: 3, minutes: 0.05, seed: 'fill-anchor' });
    plan = splitCatalog(catalog);
    origin = await startBenchOrigin({ group, dir: join(root, 's3rver'), contentDir, say: () => undefined });
  });
  afterAll(async () => {
    await origin?.stop();
    await group.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('downloads the fill set to disk, verified, one GET per file', async () => {
    origin.proxy.reset();
    const out = join(root, 'one');
    const r = await run([job(out)]);
    expect(r.errors).toEqual([]);
    expect(r.files).toBe(16);
    expect(r.bytes).toBe(plan.fillBytes);
    expect(r.elapsedMs).toBeGreaterThan(0);
    expect(r.cpuMs).toBeGreaterThan(0);
    for (const o of plan.fill) {
      const bytes = readFileSync(join(out, o.fileId));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(o.sha256);
    }
    expect(originReads(origin.proxy.counts())).toEqual({ requests: 16, bytes: plan.fillBytes });
  });

  it('three downloaders at once read three copies from the origin', async () => {
    origin.proxy.reset();
    const r = await run([0, 1, 2].map((i) => job(join(root, `site-${i}`))));
    expect(r.errors).toEqual([]);
    expect(r.runs.length).toBe(3);
    expect(r.bytes).toBe(3 * plan.fillBytes);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(Math.max(...r.runs.map((x) => x.elapsedMs)) - 5);
    expect(originReads(origin.proxy.counts())).toEqual({ requests: 48, bytes: 3 * plan.fillBytes });
  });

  it('reports an object whose bytes differ from what was asked, and leaves no file for it', async () => {
    const out = join(root, 'bad');
    const [first, ...rest] = plan.fill;
    const wrong = { ...first!, sha256: '0'.repeat(64) };
    const r = await run([job(out, { objects: [wrong, ...rest.slice(0, 2)] })]);
    expect(r.files).toBe(2);
    expect(r.errors).toEqual([
      expect.stringContaining(`${origin.prefix}/${first!.fileId}: ${first!.size} bytes`),
    ]);
    expect(existsSync(join(out, first!.fileId))).toBe(false);
  });
});
