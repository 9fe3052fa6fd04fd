// Node's floor: the least a node:http server can do to answer the bench's requests as the
// appliance does. One process per worker (node:cluster, as the appliance's --workers), no framework, no checks beyond what the bench sends: GET
// /v1/c/{id} with `Range: bytes=first-last` answered 206 with the appliance's headers
// (Content-Range, Content-Length, ETag, Last-Modified, Accept-Ranges, Content-Type, CORS) and
// the right bytes, read per request with fs.readSync at the offset from a file descriptor
// opened once per file (a pread into a fresh buffer; the page cache keeps it off the disk).
// The bench's ratio against this row is what Ferry costs above node:http itself.
//
// Run: node --import tsx bare-node-server.ts <port> <filesDir> [workers]
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

interface Held {
  fd: number;
  size: number;
  etag: string;
  lastModified: string;
}

const port = Number(process.argv[2]);
const dir = process.argv[3];
const workers = Number(process.argv[4] ?? 1);
if (
  !Number.isInteger(port) ||
  port < 1 ||
  port > 65_535 ||
  !dir ||
  !Number.isInteger(workers) ||
  workers < 1
) {
  process.stderr.write('usage: bare-node-server.ts <port> <filesDir> [workers]\n');
  process.exit(2);
}
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies ends the run: the bench sees the server gone rather than fewer cores.
  cluster.on('exit', () => process.exit(1));
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  // An orderly exit on SIGTERM (the bench's stop), so `node --cpu-prof` writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  serve(dir);
}

function serve(dir: string): void {
  const held = new Map<string, Held>();
  for (const name of readdirSync(dir)) {
    if (name === 'catalog.json') continue;
    const path = join(dir, name);
    const fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      continue;
    }
    // The appliance's ETag is 32 hex digits in quotes (conditional.ts); this one has the
    // same length, from the name, size and time rather than the content (no reading at start).
    const sha = createHash('sha256').update(`${name}:${st.size}:${st.mtimeMs}`).digest('hex');
    held.set(`/v1/c/${encodeURIComponent(name)}`, {
      fd,
      size: st.size,
      etag: `"${sha.slice(0, 32)}"`,
      lastModified: new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString(),
    });
  }

  const RANGE = /^bytes=(\d+)-(\d+)$/;
  const EXPOSE = 'Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified';

  const server = createServer((req, res) => {
    const file = held.get(req.url ?? '');
    if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('ok');
      return;
    }
    const m = RANGE.exec(req.headers.range ?? '');
    if (!file || !m) {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const first = Number(m[1]);
    const last = Math.min(Number(m[2]), file.size - 1);
    if (first > last) {
      res.writeHead(416, { 'Content-Range': `bytes */${file.size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const length = last - first + 1;
    const body = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(file.fd, body, got, length - got, first + got);
      if (n === 0) break;
      got += n;
    }
    res.writeHead(206, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': EXPOSE,
      'Accept-Ranges': 'bytes',
      ETag: file.etag,
      'Last-Modified': file.lastModified,
      'Content-Type': 'application/octet-stream',
      'Content-Range': `bytes ${first}-${last}/${file.size}`,
      'Content-Length': got,
    });
    res.end(got === length ? body : body.subarray(0, got));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1');
}
