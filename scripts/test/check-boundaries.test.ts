// The boundary check on small trees made here: each rule fires on the import it names, and
// a tree that keeps to package faces passes. The last test runs it on this repository.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries } from '../check-boundaries.js';

let root: string;

function tree(files: Record<string, unknown>): string {
  root = mkdtempSync(join(tmpdir(), 'ferry-boundaries-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const base = {
  'package.json': { workspaces: ['a', 'b'] },
  'a/package.json': { name: '@ferry/a' },
  'a/src/index.ts': "export * from './thing.js';\n",
  'a/src/thing.ts': 'export const thing = 1;\n',
  'b/package.json': { name: '@ferry/b', dependencies: { '@ferry/a': '0.1.0' } },
};

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('check-boundaries', () => {
  it('passes imports through a declared package face', () => {
    tree({ ...base, 'b/src/index.ts': "import { thing } from '@ferry/a';\nexport const b = thing;\n" });
    expect(checkBoundaries(root)).toEqual([]);
  });

  it('names no-deep-import for a relative import into another package', () => {
    tree({ ...base, 'b/src/index.ts': "import { thing } from '../../a/src/thing.js';\n" });
    const v = checkBoundaries(root);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: 'no-deep-import', file: 'b/src/index.ts', line: 1 });
    expect(v[0]!.message).toContain("import '@ferry/a'");
  });

  it('catches dynamic imports and imports into test/', () => {
    tree({ ...base, 'b/src/index.ts': "\nawait import('../../a/test/support.js');\n" });
    expect(checkBoundaries(root)).toMatchObject([{ rule: 'no-deep-import', line: 2 }]);
  });

  it('names face-only for a subpath of a package', () => {
    tree({ ...base, 'b/src/index.ts': "export { thing } from '@ferry/a/src/thing.js';\n" });
    expect(checkBoundaries(root).map((v) => v.rule)).toEqual(['face-only']);
  });

  it('names declared-dependency for an undeclared package, and allows devDependencies in tests only', () => {
    tree({
      ...base,
      'a/package.json': { name: '@ferry/a', devDependencies: { '@ferry/b': '0.1.0' } },
      'a/src/late.ts': "import '@ferry/b';\n",
      'a/test/uses-b.test.ts': "import '@ferry/b';\n",
    });
    const v = checkBoundaries(root);
    expect(v.map((x) => `${x.rule} ${x.file}`)).toEqual(['declared-dependency a/src/late.ts']);
  });

  it('names no-package-cycle when dependencies loop', () => {
    tree({
      ...base,
      'a/package.json': { name: '@ferry/a', dependencies: { '@ferry/b': '0.1.0' } },
    });
    const v = checkBoundaries(root);
    expect(v.map((x) => x.rule)).toEqual(['no-package-cycle']);
    expect(v[0]!.message).toMatch(/@ferry\/a -> @ferry\/b -> @ferry\/a/);
  });

  it('finds nothing in this repository', () => {
    root = mkdtempSync(join(tmpdir(), 'ferry-boundaries-'));
    expect(checkBoundaries(join(import.meta.dirname, '../..'))).toEqual([]);
  });
});
