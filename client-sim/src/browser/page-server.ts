// The loopback server that gives Chromium the player page: a fixed table of URL paths to
// files (the page, its script, the pinned hls.js and dash.js builds from node_modules),
// plus any files the caller adds by exact path. Nothing else is served: a path not in the
// table is 404, so there is no directory to walk out of.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** One file the server may answer with. */
export interface ServedFile {
  path: string;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.json': 'application/json',
};

/** Content type by file name (application/octet-stream when unknown). */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? TYPES[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

/** The pinned players' browser builds, resolved through the packages' own exports. */
export function playerLibraries(): { hls: string; dash: string } {
  const hlsDir = require.resolve('hls.js').replace(/[^/\\]+$/, '');
  return {
    // hls.js's main entry is dist/hls.js; its minified twin sits beside it.
    hls: `${hlsDir}hls.min.js`,
    // dashjs's "require"/"browser" export is the UMD build that sets window.dashjs.
    dash: require.resolve('dashjs'),
  };
}

function pageFiles(): Map<string, ServedFile> {
  const libs = playerLibraries();
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  return new Map<string, ServedFile>([
    ['/player.html', { path: here('./page/player.html'), type: TYPES['.html']! }],
    ['/player.js', { path: here('./page/player.js'), type: TYPES['.js']! }],
    ['/lib/hls.min.js', { path: libs.hls, type: TYPES['.js']! }],
    ['/lib/dash.all.min.js', { path: libs.dash, type: TYPES['.js']! }],
  ]);
}

export interface PageServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** the page URL that plays `src` with `player` */
  pageUrl(player: 'hls' | 'dash', src: string, bufferSec?: number): string;
  close(): Promise<void>;
}

/**
 * Starts the page server on 127.0.0.1 (an ephemeral port unless given). `extra` adds files by
 * exact URL path (a test's own media); every answer allows any origin, so a page on another
 * port may fetch them too.
 */
export async function startPageServer(
  opts: { extra?: Map<string, ServedFile>; port?: number } = {},
): Promise<PageServer> {
  const files = pageFiles();
  for (const [k, v] of opts.extra ?? []) {
    if (!k.startsWith('/')) throw new Error(`served path must start with /: ${k}`);
    files.set(k, v);
  }
  const server: Server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = files.get(path === '/' ? '/player.html' : path);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    stat(file.path).then(
      (s) => {
        res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': s.size });
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        const body = createReadStream(file.path);
        body.on('error', () => res.destroy());
        body.pipe(res);
      },
      () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    pageUrl: (player, src, bufferSec) =>
      `${origin}/player.html?player=${player}&src=${encodeURIComponent(new URL(src, origin).toString())}` +
      (bufferSec ? `&buffer=${bufferSec}` : ''),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
