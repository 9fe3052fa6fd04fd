// Every FERRY_ERR_ code is defined once, in one catalogue; docs/errors.md is what the
// catalogues say; and every code any doc names exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS_DOC, entries, loadCatalogues, renderErrorTable } from '../error-table.js';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');

describe('error catalogues', async () => {
  const catalogues = await loadCatalogues();

  it('define each code once (shared entries are taken by reference)', () => {
    const byCode = new Map<string, number>();
    for (const e of entries(catalogues).keys()) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
    const twice = [...byCode].filter(([, n]) => n > 1).map(([code]) => code);
    expect(twice).toEqual([]);
    expect(byCode.size).toBeGreaterThan(50);
  });

  it('docs/errors.md is generated from them (npm run docs:errors)', () => {
    expect(readFileSync(ERRORS_DOC, 'utf8')).toBe(renderErrorTable(catalogues));
  });

  it('every FERRY_ERR_ code a doc names is in a catalogue', () => {
    const known = new Set([...entries(catalogues).keys()].map((e) => e.code));
    const unknown: string[] = [];
    for (const f of readdirSync(DOCS).filter((n) => n.endsWith('.md'))) {
      const text = readFileSync(join(DOCS, f), 'utf8');
      for (const m of text.matchAll(/FERRY_ERR_[A-Z0-9_]*[A-Z0-9](_?[*…])?/g)) {
        // `FERRY_ERR_STORE_*` names a family of codes: some code must start with it.
        const prefix = m[1] ? m[0].replace(/_?[*…]$/, '') : undefined;
        const ok = prefix ? [...known].some((c) => c.startsWith(`${prefix}_`)) : known.has(m[0]);
        if (!ok) unknown.push(`${f}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
