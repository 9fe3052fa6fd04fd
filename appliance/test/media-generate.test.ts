// A real ffmpeg run: one 9 s title at two rungs, then its files read back with our own box
// walker and checked against ffprobe, which must decode init + any one segment on its own
// (what a player does after a rung switch or a seek), and against headless Chromium's
// MediaSource, which must buffer a rung switch without a gap.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Catalog, type CatalogStream, isFerryError, parseCatalog } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaErrors } from '../src/errors.js';
import { bufferReader, walkBoxes } from '../src/media/boxes.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { readFragmentedMp4 } from '../src/media/fmp4.js';
import { generateMediaContent } from '../src/media/generate.js';
import { ContentStore } from '../src/store/store.js';

const SECONDS = 9;
let dir: string;
let out: string;
let catalog: Catalog;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-media-'));
  out = join(dir, 'content');
  catalog = await generateMediaContent({
    out,
    titles: 1,
    seconds: SECONDS,
    seed: 'media-test',
    ladder: ['360p', '240p'],
    // one encoder thread: two can differ in a rung's last bytes on a busy machine
    threads: 1,
  });
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fourccAt(buf: Buffer, at: number): string {
  return buf.toString('latin1', at + 4, at + 8);
}

function ffprobe(path: string): string {
  // -count_frames decodes every frame, so a fragment that only parses would not pass.
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_frames'];
  args.push('-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'csv=p=0', path);
  return execFileSync('ffprobe', args, {
    encoding: 'utf8',
    timeout: 30_000,
  }).trim();
}

// The page appends every part to one SourceBuffer and writes what happened into an attribute
// that --dump-dom prints; virtual time lets the appends finish before the dump.
function mseLog(parts: string[], codecs: string, check: string[]): string {
  const html = `<html><body><script>
const log = (t) => document.body.setAttribute('data-log', ((document.body.getAttribute('data-log') || '') + ' ' + t).trim());
const type = (c) => 'video/mp4; codecs="' + c + '"';
log('supported=' + ${JSON.stringify(check)}.map((c) => MediaSource.isTypeSupported(type(c))).join(','));
const parts = ${JSON.stringify(parts)}.map((s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
const video = document.createElement('video');
const ms = new MediaSource();
video.src = URL.createObjectURL(ms);
ms.addEventListener('sourceopen', async () => {
  log('open');
  try {
    const sb = ms.addSourceBuffer(type(${JSON.stringify(codecs)}));
    for (const p of parts) {
      sb.appendBuffer(p);
      await new Promise((resolve, reject) => {
        sb.addEventListener('updateend', resolve, { once: true });
        sb.addEventListener('error', () => reject(new Error('append failed')), { once: true });
      });
    }
    log('buffered=' + sb.buffered.start(0).toFixed(3) + '-' + sb.buffered.end(0).toFixed(3) + ' ranges=' + sb.buffered.length);
  } catch (err) {
    log('error ' + err.message + ' ' + (video.error ? video.error.message : ''));
  }
});
</script></body></html>`;
  const page = join(dir, 'mse.html');
  writeFileSync(page, html);
  const dom = execFileSync(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'chromium')}`,
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return /<body data-log="([^"]*)"/.exec(dom)?.[1] ?? `no log in the page (${dom.length} bytes)`;
}

describe('content generate --media', () => {
  it('writes a catalog that parseCatalog accepts, one file per rung, nothing else', () => {
    const onDisk = parseCatalog(JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')));
    expect(onDisk.titles).toEqual(catalog.titles);
    expect(readdirSync(out).sort()).toEqual(['catalog.json', 't0001-v300k', 't0001-v700k']);
    const [title] = catalog.titles;
    expect(title?.durationSec).toBe(SECONDS);
    expect(title?.streams.map((s) => [s.streamId, s.kind, s.width, s.height])).toEqual([
      ['t0001-v300k', 'video', 426, 240],
      ['t0001-v700k', 'video', 640, 360],
    ]);
  });

  it('describes each file exactly: init, contiguous fragments, durations, codecs, checksum', () => {
    const title = catalog.titles[0]!;
    const boundaries = JSON.stringify(title.streams[0]!.segments.map((s) => s.durationSec));
    for (const s of title.streams) {
      const bytes = readFileSync(join(out, s.streamId));
      expect(bytes.length).toBe(s.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(s.sha256);
      expect(s.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
      expect(s.bitrate).toBeGreaterThan(0);
      expect(s.segmentDurationSec).toBe(2);

      // The init segment is ftyp first, then moov, and ends where the first fragment starts.
      const init = s.initLength!;
      const initBoxes = walkBoxes(bufferReader(bytes), 0, init);
      expect(initBoxes[0]?.type).toBe('ftyp');
      expect(initBoxes.map((b) => b.type)).toContain('moov');
      expect(initBoxes.map((b) => b.type)).not.toContain('moof');
      expect(['styp', 'moof']).toContain(fourccAt(bytes, init));

      // 2 s GOPs over 9 s: four whole segments and a 1 s tail, the same on every rung.
      expect(s.segments.map((g) => g.durationSec)).toEqual([2, 2, 2, 2, 1]);
      expect(JSON.stringify(s.segments.map((g) => g.durationSec))).toBe(boundaries);
      const total = s.segments.reduce((n, g) => n + g.durationSec, 0);
      expect(total).toBeCloseTo(title.durationSec, 9);

      let next = 0;
      for (const g of s.segments) {
        expect(g.start).toBe(next);
        next += g.length;
        // Segment 0 holds the init; every other starts with a fragment's first box.
        const first = g.index === 0 ? init : g.start;
        expect(['styp', 'moof']).toContain(fourccAt(bytes, first));
      }
      expect(next).toBe(s.size);

      // Our reader agrees with the catalog it produced.
      const mp4 = readFragmentedMp4(bufferReader(bytes), bytes.length);
      expect(mp4.initLength).toBe(init);
      expect(mp4.fragments.length).toBe(s.segments.length);
      expect(mp4.codecs).toBe(s.codecs);
    }
  });

  it('init + any one segment is a file ffprobe decodes: the rung’s size, the segment’s frames', () => {
    for (const s of catalog.titles[0]!.streams) {
      const bytes = readFileSync(join(out, s.streamId));
      const init = bytes.subarray(0, s.initLength!);
      for (const g of s.segments) {
        const media =
          g.index === 0
            ? bytes.subarray(0, g.length)
            : Buffer.concat([init, bytes.subarray(g.start, g.start + g.length)]);
        const probe = join(dir, `probe-${s.streamId}-${g.index}.mp4`);
        writeFileSync(probe, media);
        expect(ffprobe(probe)).toBe(`h264,${s.width},${s.height},${Math.round(g.durationSec * 30)}`);
        rmSync(probe);
      }
    }
  });

  it('Chromium’s MediaSource takes init + segments across a rung switch as one buffered range', () => {
    const [lo, hi] = catalog.titles[0]!.streams as [CatalogStream, CatalogStream];
    const a = readFileSync(join(out, lo.streamId));
    const b = readFileSync(join(out, hi.streamId));
    const seg = (bytes: Buffer, s: CatalogStream, k: number) => {
      const g = s.segments[k]!;
      return bytes.subarray(g.start, g.start + g.length);
    };
    // Two segments at 240p, then what a player sends on switching up: 360p's init, then its segments.
    const parts = [
      seg(a, lo, 0),
      seg(a, lo, 1),
      b.subarray(0, hi.initLength!),
      seg(b, hi, 2),
      seg(b, hi, 3),
      seg(b, hi, 4),
    ];
    const log = mseLog(
      parts.map((p) => p.toString('base64')),
      lo.codecs!,
      [lo.codecs!, hi.codecs!],
    );
    expect(log).toBe(`supported=true,true open buffered=0.000-${SECONDS.toFixed(3)} ranges=1`);
  }, 90_000);

  it('goes into an appliance store like any catalog file (same ids, same checksums)', async () => {
    const store = ContentStore.open([join(dir, 'store')], {
      create: true,
      checkIntervalMs: 0,
      flushIntervalMs: 0,
    });
    try {
      for (const s of catalog.titles[0]!.streams) {
        const f = await store.add(join(out, s.streamId), s.streamId);
        expect([f.id, f.size, f.sha256]).toEqual([s.streamId, s.size, s.sha256]);
      }
    } finally {
      store.close();
    }
  });

  it('same seed, same bytes: a rung encoded again is identical', async () => {
    const again = await generateMediaContent({
      out: join(dir, 'again'),
      titles: 1,
      seconds: SECONDS,
      seed: 'media-test',
      ladder: ['240p'],
      threads: 1,
    });
    const first = catalog.titles[0]!.streams[0]!;
    expect(again.titles[0]!.streams[0]).toEqual(first);
  }, 120_000);

  it('a fragment whose decode time leaves a gap is refused, naming its moof', () => {
    const s = catalog.titles[0]!.streams[0]!;
    const bytes = Buffer.from(readFileSync(join(out, s.streamId)));
    const moof = s.segments[2]!.start;
    const tfdt = bytes.indexOf('tfdt', moof, 'latin1') - 4;
    expect(tfdt).toBeGreaterThan(moof);
    // The last byte of baseMediaDecodeTime, whether it is 32 or 64 bits (version 0 or 1).
    const last = tfdt + (bytes[tfdt + 8] === 1 ? 19 : 15);
    bytes[last] = (bytes[last]! + 1) & 0xff;
    expect(() => readFragmentedMp4(bufferReader(bytes), bytes.length)).toThrow(
      new RegExp(`fragment at offset ${moof}: decode time \\d+, expected \\d+`),
    );
  });

  it('a truncated file is refused with a clear error', () => {
    const s = catalog.titles[0]!.streams[0]!;
    const bytes = readFileSync(join(out, s.streamId)).subarray(0, s.size - 100);
    let caught: unknown;
    try {
      readFragmentedMp4(bufferReader(bytes), bytes.length);
    } catch (err) {
      caught = err;
    }
    expect(isFerryError(caught, MediaErrors.BAD_MP4)).toBe(true);
    expect((caught as Error).message).toMatch(
      /mdat box at offset \d+: size \d+ runs past the end .*truncated/,
    );
  });
});

describe('content generate --media failures', () => {
  it('names a missing ffmpeg and leaves no files behind', async () => {
    const missing = join(dir, 'missing');
    const err = await generateMediaContent({
      out: missing,
      titles: 1,
      seconds: 2,
      seed: 'x',
      ladder: ['240p'],
      ffmpegPath: join(dir, 'no-such-ffmpeg'),
    }).catch((e: unknown) => e);
    expect(isFerryError(err, MediaErrors.FFMPEG_MISSING)).toBe(true);
    expect(readdirSync(missing)).toEqual([]);
  });

  it('puts the tail of ffmpeg’s stderr in the error when ffmpeg fails', async () => {
    const err = await runFfmpeg(['-hide_banner', '-no-such-option', 'x'], { timeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    expect(isFerryError(err, MediaErrors.FFMPEG_FAILED)).toBe(true);
    expect((err as Error).message).toMatch(/exited with status \d+:\n.*no-such-option/s);
  });

  it('refuses an unknown rung and a segment that is not whole frames', async () => {
    const a = await generateMediaContent({
      out: dir,
      titles: 1,
      seconds: 2,
      seed: 'x',
      ladder: ['4k'],
    }).catch((e: unknown) => e);
    expect(isFerryError(a, MediaErrors.BAD_OPTION)).toBe(true);
    expect((a as Error).message).toMatch(/unknown rung "4k"; the ladder is 240p, 360p, 540p, 720p/);
    const b = await generateMediaContent({
      out: dir,
      titles: 1,
      seconds: 2,
      seed: 'x',
      segmentSeconds: 0.01,
    }).catch((e: unknown) => e);
    expect(isFerryError(b, MediaErrors.BAD_OPTION)).toBe(true);
  });
});
