// The dashboard's page as it is in control/ui/: HTML, CSS and plain ES modules, read once at
// start and served from memory (docs/dashboard.md: no build step, the files are what runs).
// Only the files found there at start are served, by exact name: no path from a request ever
// reaches the file system.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Every response under /ui: scripts, styles, images and connections only from control
 * itself (no inline script or style can run, even one injected through data), never framed.
 */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function loadStaticFiles(dir = UI_DIR): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
    out.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return out;
}
