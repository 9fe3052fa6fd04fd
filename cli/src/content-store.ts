// `ferry content list` and `ferry content remove`: what an appliance's store holds, read and
// changed beside a running appliance (which sees a removal at once on SIGHUP, or within its
// store check otherwise: docs/appliance.md, "Reloading").
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { collect } from './parse.js';
import { type Column, renderTable } from './table.js';
import { formatBytes, formatTime } from './units.js';

export function registerContentStore(content: Command): void {
  content
    .command('list')
    .description('the files an appliance store holds: id, title, size, sha256, when added')
    .requiredOption('--store <dir>', 'store directory (repeatable, one per disk)', collect)
    .option('--catalog <file>', "catalog.json to take the titles' names from")
    .option('--json', 'one JSON array instead of the table', false)
    .action(async (opts: { store: string[]; catalog?: string; json: boolean }) => {
      await runContentList(opts);
    });
  content
    .command('remove')
    .description('remove files from an appliance store (index first, then the bytes)')
    .requiredOption('--store <dir>', 'store directory (repeatable, one per disk)', collect)
    .argument('<fileIds...>', 'file ids to remove; none is removed if one is unknown')
    .action(async (ids: string[], opts: { store: string[] }) => {
      await runContentRemove({ ...opts, ids });
    });
}

interface Listed {
  id: string;
  title: string;
  size: number;
  sha256: string;
  addedMs: number;
  disk: string;
  missing: boolean;
}

/** The store of `dirs` as it is (nothing created); an error when no directory is usable. */
async function openStore(dirs: string[]) {
  const { ContentStore, StoreErrors } = await import('@ferry/appliance');
  const { FerryError } = await import('@ferry/protocol');
  const { pino } = await import('pino');
  const store = ContentStore.open(dirs, {
    // What is wrong with a directory is said once, below, not as a JSON log line.
    logger: pino({ level: 'error' }, pino.destination(2)),
    create: false,
    checkIntervalMs: 0,
    flushIntervalMs: 0,
  });
  const disks = store.disks();
  if (disks.every((d) => d.state !== 'ok')) {
    store.close();
    const reasons = disks.map((d) => d.reason ?? d.path).join('; ');
    throw new FerryError(StoreErrors.NO_HEALTHY_DISK, `no usable store directory (${reasons})`, {
      replaceMessage: true,
    });
  }
  return store;
}

export async function runContentList(opts: {
  store: string[];
  catalog?: string;
  json: boolean;
}): Promise<void> {
  const names = opts.catalog ? await titleNames(opts.catalog) : new Map<string, string>();
  const store = await openStore(opts.store);
  let files: Listed[];
  try {
    files = store
      .list()
      .map((f) => ({
        id: f.id,
        title: names.get(f.id) ?? titleOf(f.id),
        size: f.size,
        sha256: f.sha256,
        addedMs: Math.round(f.mtimeMs),
        disk: f.disk,
        missing: f.missing === true,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    store.close();
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
    return;
  }
  const columns: Column[] = [
    { title: 'FILE ID', shrink: true },
    { title: 'TITLE', shrink: true },
    { title: 'SIZE', right: true },
    { title: 'SHA256' },
    { title: 'ADDED' },
    { title: 'DISK' },
  ];
  const rows = files.map((f) => [
    f.id,
    f.title,
    formatBytes(f.size),
    `${f.sha256.slice(0, 12)}…`,
    formatTime(f.addedMs),
    f.missing ? `${f.disk} (failed)` : f.disk,
  ]);
  process.stdout.write(renderTable(columns, rows, process.stdout.isTTY ? process.stdout.columns : undefined));
  const bytes = files.reduce((n, f) => n + f.size, 0);
  process.stdout.write(`${files.length} files, ${formatBytes(bytes)}\n`);
}

export async function runContentRemove(opts: { store: string[]; ids: string[] }): Promise<void> {
  const { StoreErrors } = await import('@ferry/appliance');
  const { FerryError } = await import('@ferry/protocol');
  const store = await openStore(opts.store);
  try {
    // Every id is checked before anything is removed, so a typo leaves the store as it was.
    const unknown = opts.ids.filter((id) => store.lookup(id) === undefined);
    if (unknown.length > 0) {
      throw new FerryError(
        StoreErrors.FILE_UNKNOWN,
        `the store holds no file ${unknown.map((id) => JSON.stringify(id)).join(', ')} (nothing removed; ferry content list shows what it holds)`,
        { replaceMessage: true },
      );
    }
    for (const id of new Set(opts.ids)) {
      const f = store.lookup(id)!;
      await store.remove(id);
      process.stdout.write(`removed ${id}\t${f.disk}\t${formatBytes(f.size)}\n`);
    }
  } finally {
    store.close();
  }
}

/** The title of a synthetic or generated file id: the id without its `-v3000k` rung. */
export function titleOf(fileId: string): string {
  const m = /^(.+)-[va]\d+k(?:\.[A-Za-z0-9]+)?$/.exec(fileId);
  return m ? m[1]! : '-';
}

async function titleNames(file: string): Promise<Map<string, string>> {
  const catalog = JSON.parse(await readFile(file, 'utf8')) as {
    titles?: { id: string; name?: string; streams?: { streamId: string }[] }[];
  };
  const out = new Map<string, string>();
  for (const t of catalog.titles ?? []) {
    for (const s of t.streams ?? []) out.set(s.streamId, t.name ? `${t.id} (${t.name})` : t.id);
  }
  return out;
}
