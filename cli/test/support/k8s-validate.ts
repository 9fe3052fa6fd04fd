// Kubernetes manifests checked against the API's own definitions, offline, two ways:
// - kubernetes-models: validators compiled (ajv) from the Kubernetes OpenAPI schemas: types,
//   formats, required fields, enums;
// - kubernetes-types: TypeScript declarations generated from the same OpenAPI document. Each
//   document becomes an object literal typed as its kind and goes through the TypeScript
//   compiler, whose excess-property check names every field the schema does not have
//   (the OpenAPI schemas allow unknown fields, as the API server does without strict field
//   validation; `kubectl apply --validate=strict` and we do not).
import { join } from 'node:path';
import ts from 'typescript';

export interface Doc {
  readonly file: string;
  readonly index: number;
  readonly body: Record<string, unknown>;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group: group!, version: version! };
}

function describeDoc(d: Doc): string {
  const meta = d.body.metadata as { name?: string } | undefined;
  return `${d.file}#${d.index} ${String(d.body.kind)}/${meta?.name ?? '?'}`;
}

/** Errors from the OpenAPI validators (kubernetes-models), one line each. */
export async function schemaErrors(docs: readonly Doc[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of docs) {
    const { group, version } = groupVersion(String(d.body.apiVersion));
    const kind = String(d.body.kind);
    const path = `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
    let Model: ModelClass;
    try {
      Model = ((await import(path)) as Record<string, ModelClass>)[kind]!;
      if (!Model) throw new Error('no such export');
    } catch {
      out.push(`${describeDoc(d)}: unknown apiVersion/kind ${d.body.apiVersion}/${kind}`);
      continue;
    }
    try {
      new Model(d.body).validate();
    } catch (err) {
      out.push(`${describeDoc(d)}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** kubernetes-types module and interface for an apiVersion and kind. */
function typeOf(apiVersion: string, kind: string): { module: string; name: string } {
  const { group, version } = groupVersion(apiVersion);
  const dir = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  return { module: `kubernetes-types/${dir}/${version}`, name: kind };
}

/** Errors from the TypeScript compiler: unknown fields, wrong types, missing required ones. */
export function typeErrors(docs: readonly Doc[]): string[] {
  const lines: string[] = [];
  docs.forEach((d, i) => {
    const t = typeOf(String(d.body.apiVersion), String(d.body.kind));
    // Pretty-printed so that an error's line points at the field.
    lines.push(`const doc${i}: import('${t.module}').${t.name} = ${JSON.stringify(d.body, null, 2)};`);
  });
  // A file that exists only in memory, beside this one: imports resolve from here.
  const fileName = join(import.meta.dirname, '__manifests__.ts');
  const source = `${lines.join('\n')}\nexport {};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang) =>
    f === fileName ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang);
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  const srcLines = source.split('\n');
  return diagnostics.map((diag) => {
    const message = ts.flattenDiagnosticMessageText(diag.messageText, ' ');
    if (diag.file?.fileName !== fileName || diag.start === undefined) return message;
    const { line } = diag.file.getLineAndCharacterOfPosition(diag.start);
    const owner = docs[lineOfDoc(srcLines, line)];
    return `${owner ? describeDoc(owner) : '?'}: ${srcLines[line]?.trim()} → ${message}`;
  });
}

/** The index of the doc declaration (one per `const docN` line) that holds source line `line`. */
function lineOfDoc(srcLines: string[], line: number): number {
  let n = -1;
  for (let i = 0; i <= line; i++) if (srcLines[i]?.startsWith('const doc')) n++;
  return n;
}
