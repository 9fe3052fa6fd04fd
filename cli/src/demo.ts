// `ferry demo`: the first thing a new user runs. Generates synthetic titles, places them
// in a store, starts one appliance in open mode, checks a fetched segment against the
// bytes on disk, prints what to try, and serves until Ctrl-C (or --duration).
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Catalog, parseCatalog } from '@ferry/protocol';
import pino from 'pino';
import { startAppliance } from '../../appliance/src/app.js';
import { generateContent } from '../../appliance/src/content/generate.js';
import { ContentStore } from '../../appliance/src/store/store.js';
import type { HostPort } from './parse.js';

export interface DemoOptions {
  dir: string;
  listen: HostPort;
  /** stop by itself after this many seconds (default: run until a signal) */
  duration?: number;
}

const SEED = 'ferry-demo';

export async function runDemo(opts: DemoOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const contentDir = join(dir, 'content');
  const storeDir = join(dir, 'store');
  const catalog = ensureContent(contentDir);
  await ensureStore(storeDir, contentDir, catalog);

  const logger = pino({ level: 'warn' }, pino.destination({ dest: 2, sync: false }));
  const app = await startAppliance(
    {
      id: 'demo-1',
      listen: opts.listen,
      stores: [storeDir],
      site: 'demo',
      open: true,
      bodySender: 'auto',
      accessLog: 'off',
      logLevel: 'warn',
      maxRanges: 16,
      drainTimeoutSec: 5,
    },
    { logger },
  );
  const status = (await (await fetch(`${app.url}/v1/status`)).json()) as {
    bodySender: { path: string; reason: string };
  };
  say(
    `appliance demo-1 serving ${catalog.titles.length} titles on ${app.url} (body path: ${status.bodySender.path})`,
  );

  await checkSegment(app.url, contentDir, catalog);

  const stream = catalog.titles[0]!.streams[2]!;
  const seg = stream.segments[1]!;
  say('\ntry:');
  say(
    `  curl -s -D - -o /dev/null -r ${seg.start}-${seg.start + seg.length - 1} ${app.url}/v1/c/${stream.streamId}`,
  );
  say(`  curl -s ${app.url}/v1/c/${stream.streamId}/range/0-1023 | wc -c`);
  say(`  curl -s -r 0-9,100-109 ${app.url}/v1/c/${stream.streamId}`);
  say(`  curl -s ${app.url}/v1/status`);
  say(`  curl -s ${app.url}/metrics | grep ^ferry_`);
  say(`catalog: ${join(contentDir, 'catalog.json')}`);
  say(opts.duration ? `\nstopping in ${opts.duration} s` : '\nCtrl-C stops the demo');

  await new Promise<void>((done) => {
    const timer = opts.duration ? setTimeout(done, opts.duration * 1000) : undefined;
    const onSignal = () => {
      clearTimeout(timer);
      done();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  say('stopping');
  await app.stop();
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function ensureContent(contentDir: string): Catalog {
  const catalogPath = join(contentDir, 'catalog.json');
  if (existsSync(catalogPath)) return parseCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')));
  say(`generating 2 synthetic titles in ${contentDir}`);
  return generateContent({ out: contentDir, titles: 2, minutes: 1, seed: SEED }).catalog;
}

async function ensureStore(storeDir: string, contentDir: string, catalog: Catalog): Promise<void> {
  const store = ContentStore.open([storeDir]);
  try {
    let added = 0;
    for (const title of catalog.titles) {
      for (const s of title.streams) {
        if (store.lookup(s.streamId)?.sha256 === s.sha256) continue;
        await store.add(join(contentDir, s.streamId), s.streamId);
        added++;
      }
    }
    if (added > 0) say(`placed ${added} files in the store ${storeDir}`);
  } finally {
    store.close();
  }
}

/** Fetches one segment the way a player would and compares it with the bytes on disk. */
async function checkSegment(url: string, contentDir: string, catalog: Catalog): Promise<void> {
  const stream = catalog.titles[0]!.streams[3]!;
  const seg = stream.segments[Math.min(2, stream.segments.length - 1)]!;
  const started = performance.now();
  const res = await fetch(`${url}/v1/c/${stream.streamId}`, {
    headers: { Range: `bytes=${seg.start}-${seg.start + seg.length - 1}` },
  });
  const body = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - started;
  const expected = Buffer.alloc(seg.length);
  const fd = openSync(join(contentDir, stream.streamId), 'r');
  try {
    readSync(fd, expected, 0, seg.length, seg.start);
  } finally {
    closeSync(fd);
  }
  const ok = res.status === 206 && body.equals(expected);
  say(
    `check: segment ${seg.index} of ${stream.streamId} (${body.length} bytes) → ${res.status} in ${ms.toFixed(1)} ms, ` +
      (ok ? 'bytes match' : 'BYTES DIFFER'),
  );
  if (!ok) throw new Error('the demo appliance served wrong bytes');
}
