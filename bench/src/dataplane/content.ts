// Bench content: synthetic titles from `ferry content generate`, placed into a store with
// `ferry content add` — the same path operators use. nginx then serves the store's own
// files, so both servers read the very same inodes (and the same page cache): the store
// names each file `<id>+<version>` (store/disk.ts), so the anchors get a directory of
// symbolic links named by id.
import { mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProcessGroup, runToCompletion } from '@ferry/harness';
import type { BenchFile } from './load-plan.js';

export interface BenchContent {
  readonly store: string;
  /** A directory of links, one per file id, to the stored files (what nginx serves). */
  readonly filesDir: string;
  readonly files: readonly BenchFile[];
  readonly totalBytes: number;
}

const STEP_TIMEOUT_MS = 180_000;

async function ferry(group: ProcessGroup, ferryBin: string, cwd: string, args: string[]): Promise<void> {
  const r = await runToCompletion(group, {
    name: `ferry ${args.slice(0, 2).join(' ')}`,
    command: process.execPath,
    args: [ferryBin, ...args],
    cwd,
    timeoutMs: STEP_TIMEOUT_MS,
  });
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${STEP_TIMEOUT_MS} ms` : `exit ${r.code ?? r.signal}`;
    throw new Error(`ferry ${args.join(' ').slice(0, 120)}: ${why}\n${r.stderr.trim().slice(-1000)}`);
  }
}

/** Separates a stored file's id from its version (store/disk.ts VERSION_SEPARATOR). */
const VERSION_SEPARATOR = '+';

interface Listed extends BenchFile {
  /** the name in the directory (the store's `<id>+<version>`) */
  readonly name: string;
}

async function listFiles(dir: string): Promise<Listed[]> {
  const out: Listed[] = [];
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (!ent.isFile()) continue;
    const id = ent.name.split(VERSION_SEPARATOR)[0]!;
    if (id === 'catalog.json') continue;
    out.push({ id, name: ent.name, size: (await stat(join(dir, ent.name))).size });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export async function prepareContent(input: {
  group: ProcessGroup;
  ferryBin: string;
  repoRoot: string;
  workDir: string;
  titles: number;
  minutes: number;
}): Promise<BenchContent> {
  const generated = join(input.workDir, 'content');
  const store = join(input.workDir, 'store');
  const { group, ferryBin, repoRoot } = input;
  await ferry(group, ferryBin, repoRoot, [
    'content',
    'generate',
    '--out',
    generated,
    '--titles',
    String(input.titles),
    '--minutes',
    String(input.minutes),
  ]);
  const sources = await listFiles(generated);
  if (sources.length === 0) throw new Error(`ferry content generate wrote no files to ${generated}`);
  await ferry(group, ferryBin, repoRoot, [
    'content',
    'add',
    '--store',
    store,
    ...sources.map((f) => join(generated, f.id)),
  ]);
  // The store holds its own copies; the originals would only double the disk use.
  await rm(generated, { recursive: true, force: true });
  const storedDir = join(store, 'files');
  const stored = await listFiles(storedDir);
  if (stored.length !== sources.length) {
    throw new Error(`store ${storedDir} holds ${stored.length} files, expected ${sources.length}`);
  }
  const filesDir = join(input.workDir, 'by-id');
  await mkdir(filesDir, { recursive: true });
  for (const f of stored) await symlink(join(storedDir, f.name), join(filesDir, f.id));
  const files = stored.map(({ id, size }) => ({ id, size }));
  return { store, filesDir, files, totalBytes: files.reduce((a, f) => a + f.size, 0) };
}
