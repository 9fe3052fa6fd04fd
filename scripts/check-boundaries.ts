// The doors between workspaces, checked on every `npm test`: a package is used only through
// its face (`@ferry/NAME`, i.e. its src/index.ts), only if its package.json declares it, and
// the declared dependencies form no cycle. A deep relative import into another package's
// src/ or test/ would let that package's internals become everyone's contract.
//
//   node --import tsx scripts/check-boundaries.ts [ROOT]
//
// Rules (named in every message):
//   no-deep-import         a relative import that leaves the importing file's package
//   face-only              `@ferry/NAME/…`: a subpath instead of the package face
//   declared-dependency    `@ferry/NAME` used but not declared: src/ may use `dependencies`
//                          only; test/ may also use `devDependencies`
//   no-package-cycle       the `dependencies` between workspaces form a cycle
// Tests may use a package that itself depends on theirs (an appliance test drives BIRD
// through @ferry/harness, which plays viewers with @ferry/client-sim): such an edge is a
// devDependency and never part of what src/ loads, so it makes no cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Violation {
  rule: 'no-deep-import' | 'face-only' | 'declared-dependency' | 'no-package-cycle';
  file: string;
  line: number;
  message: string;
}

interface Workspace {
  dir: string;
  name: string;
  deps: Set<string>;
  devDeps: Set<string>;
}

const SCOPE = '@ferry/';
// Static imports and re-exports (`from '…'`), side-effect imports, and dynamic `import('…')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function readWorkspaces(root: string): Workspace[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return (pkg.workspaces ?? []).map((dir) => {
    const own = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const scoped = (deps?: Record<string, string>) =>
      new Set(Object.keys(deps ?? {}).filter((d) => d.startsWith(SCOPE)));
    return { dir, name: own.name, deps: scoped(own.dependencies), devDeps: scoped(own.devDependencies) };
  });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'build' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry)) out.push(path);
  }
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function findCycle(workspaces: Workspace[]): string[] | undefined {
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of byName.get(name)?.deps ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const w of workspaces) {
    const cycle = visit(w.name);
    if (cycle) return cycle;
  }
  return undefined;
}

export function checkBoundaries(root: string): Violation[] {
  const workspaces = readWorkspaces(root);
  const violations: Violation[] = [];
  const cycle = findCycle(workspaces);
  if (cycle) {
    violations.push({
      rule: 'no-package-cycle',
      file: 'package.json',
      line: 1,
      message: `workspace dependencies form a cycle: ${cycle.join(' -> ')}`,
    });
  }
  for (const ws of workspaces) {
    const pkgRoot = resolve(root, ws.dir);
    for (const file of sourceFiles(pkgRoot)) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(root, file);
      const inSrc = relative(pkgRoot, file).split(sep)[0] !== 'test';
      for (const m of text.matchAll(SPECIFIER)) {
        const spec = m[1]!;
        const line = lineOf(text, m.index ?? 0);
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (target !== pkgRoot && !target.startsWith(pkgRoot + sep)) {
            const other = relative(root, target).split(sep)[0];
            const face = workspaces.find((w) => w.dir === other);
            violations.push({
              rule: 'no-deep-import',
              file: rel,
              line,
              message: `'${spec}' reaches outside ${ws.name}${face ? `; import '${face.name}' (its src/index.ts) instead` : ''}`,
            });
          }
        } else if (spec.startsWith(SCOPE)) {
          const name = spec.split('/').slice(0, 2).join('/');
          if (spec !== name) {
            violations.push({
              rule: 'face-only',
              file: rel,
              line,
              message: `'${spec}' is a subpath; import '${name}' and export what is needed from its index.ts`,
            });
          }
          if (name !== ws.name && !ws.deps.has(name) && (inSrc || !ws.devDeps.has(name))) {
            violations.push({
              rule: 'declared-dependency',
              file: rel,
              line,
              message: inSrc
                ? `${ws.name} uses '${name}' outside its tests but does not list it in dependencies`
                : `${ws.name}'s tests use '${name}' but it is in neither dependencies nor devDependencies`,
            });
          }
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkBoundaries(root);
  for (const v of violations) process.stderr.write(`${v.file}:${v.line}: [${v.rule}] ${v.message}\n`);
  if (violations.length > 0) {
    process.stderr.write(
      `check-boundaries: ${violations.length} violation(s); packages are used through their index.ts only\n`,
    );
    process.exit(1);
  }
  process.stdout.write('check-boundaries: every import goes through a package face; no cycles\n');
}
