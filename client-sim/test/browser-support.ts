// Short HLS (fMP4) and DASH streams made with ffmpeg for the browser tests that need no
// Ferry media, and the page-server table that serves them.
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { contentTypeOf, type ServedFile } from '../src/browser/index.js';

const run = promisify(execFile);

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25'];
// Small, quick to encode and to decode on a busy two-core machine; a key frame every 2 s
// so that segments are 2 s long.
const ENCODE = [
  ...['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'],
  ...['-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-b:v', '300k'],
];

/** Writes `dir`/hls (index.m3u8, fMP4 segments) and `dir`/dash (manifest.mpd). */
export async function makeStreams(dir: string, seconds: number): Promise<void> {
  await mkdir(join(dir, 'hls'), { recursive: true });
  await mkdir(join(dir, 'dash'), { recursive: true });
  const common = ['-hide_banner', '-loglevel', 'error', '-y', ...SOURCE, '-t', String(seconds), ...ENCODE];
  await run(
    'ffmpeg',
    [
      ...common,
      ...['-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4'],
      ...['-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(dir, 'hls', 'seg%03d.m4s')],
      join(dir, 'hls', 'index.m3u8'),
    ],
    { timeout: 120_000 },
  );
  await run(
    'ffmpeg',
    [
      ...common,
      ...['-f', 'dash', '-seg_duration', '2', '-use_template', '1', '-use_timeline', '0'],
      join(dir, 'dash', 'manifest.mpd'),
    ],
    { timeout: 120_000 },
  );
}

/** Every file of `dir`/hls and `dir`/dash, served under /media/hls/ and /media/dash/. */
export async function servedStreams(dir: string): Promise<Map<string, ServedFile>> {
  const out = new Map<string, ServedFile>();
  for (const kind of ['hls', 'dash']) {
    for (const f of await readdir(join(dir, kind))) {
      out.set(`/media/${kind}/${f}`, { path: join(dir, kind, f), type: contentTypeOf(f) });
    }
  }
  return out;
}

/** Polls `probe` until it returns a value, at most `timeoutMs`; the last value otherwise. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < end; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}
