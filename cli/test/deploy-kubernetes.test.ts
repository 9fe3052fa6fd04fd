// deploy/kubernetes/*.yaml against the Kubernetes API's definitions (no cluster): every
// document passes the OpenAPI validators and the type check with no unknown field; the set is
// what docs/install.md promises (control with 2 replicas, probes on /healthz, resources,
// non-root read-only containers, a Service, a PodDisruptionBudget, Redis with a volume);
// and broken copies (an unknown field, a wrong type, an unknown kind) are caught.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type Doc, schemaErrors, typeErrors } from './support/k8s-validate.js';

const DIR = join(import.meta.dirname, '../../deploy/kubernetes');

function load(): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).forEach((d, index) => {
      if (d.errors.length) throw new Error(`${file}#${index}: ${d.errors[0]!.message}`);
      const body = d.toJS() as Record<string, unknown> | null;
      if (body) docs.push({ file, index, body });
    });
  }
  return docs;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are read and broken field by field
type Manifest = Record<string, any>;

const docs = load();
const byKind = (kind: string, name: string) => {
  const d = docs.find((x) => x.body.kind === kind && (x.body.metadata as { name: string }).name === name);
  if (!d) throw new Error(`no ${kind}/${name} in deploy/kubernetes`);
  return d.body as Manifest;
};

function broken(name: string, mutate: (deployment: Manifest) => void): Doc {
  const copy = structuredClone(byKind('Deployment', 'ferry-control'));
  mutate(copy);
  return { file: `${name}.yaml`, index: 0, body: copy };
}

describe('deploy/kubernetes', () => {
  it('every document passes the OpenAPI validators', async () => {
    expect(docs.length).toBeGreaterThanOrEqual(8);
    expect(await schemaErrors(docs)).toEqual([]);
  });

  it('every document type-checks against the API types: no unknown field, no wrong type', () => {
    expect(typeErrors(docs)).toEqual([]);
  }, 60_000);

  it('holds control (2 replicas, probes, resources, locked down), its Service and PDB, and Redis', () => {
    const deployment = byKind('Deployment', 'ferry-control');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const control = pod.containers[0];
    expect(control.command).toEqual(['ferry', 'control', '--config', '/etc/ferry/control.json']);
    expect(control.readinessProbe.httpGet.path).toBe('/healthz');
    expect(control.livenessProbe.httpGet.path).toBe('/healthz');
    expect(control.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(control.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(control.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    const secret = pod.volumes.find((v: { secret?: unknown }) => v.secret);
    expect(secret.secret.secretName).toBe('ferry-control-secrets');

    const config = JSON.parse(byKind('ConfigMap', 'ferry-control-config').data['control.json']);
    expect(config.redis).toBe('redis://ferry-redis.ferry.svc:6379');
    expect(config.listen).toBe('0.0.0.0:8000');
    expect(config['token-key-file']).toMatch(/^\/etc\/ferry\/secrets\//);

    expect(byKind('Service', 'ferry-control').spec.ports[0].port).toBe(8000);
    const pdb = byKind('PodDisruptionBudget', 'ferry-control');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector).toEqual(deployment.spec.selector);
    const redis = byKind('StatefulSet', 'ferry-redis');
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
    expect(byKind('Service', 'ferry-redis').spec.ports[0].port).toBe(6379);
    for (const d of docs.filter((x) => x.body.kind !== 'Namespace')) {
      expect((d.body.metadata as { namespace?: string }).namespace).toBe('ferry');
    }
  });

  it('catches an unknown field, a wrong type and an unknown kind in a broken copy', async () => {
    const unknownTop = broken('unknown-top', (d) => {
      d.spec.replicaz = 2;
    });
    const unknownDeep = broken('unknown-deep', (d) => {
      d.spec.template.spec.containers[0].readinessProbe.httpGet.pathh = '/healthz';
    });
    const wrongType = broken('wrong-type', (d) => {
      d.spec.replicas = 'two';
    });
    const badKind = broken('bad-kind', (d) => {
      d.kind = 'Deploymnet';
    });
    // One compiler run for the three; each error line names its document.
    const errors = typeErrors([unknownTop, unknownDeep, wrongType]);
    expect(errors.find((e) => e.startsWith('unknown-top.yaml'))).toMatch(/replicaz/);
    expect(errors.find((e) => e.startsWith('unknown-deep.yaml'))).toMatch(/pathh/);
    expect(errors.find((e) => e.startsWith('wrong-type.yaml'))).toMatch(/replicas/);
    expect((await schemaErrors([wrongType])).join('\n')).toMatch(/replicas must be integer/);
    expect((await schemaErrors([badKind])).join('\n')).toMatch(
      /unknown apiVersion\/kind apps\/v1\/Deploymnet/,
    );
  }, 60_000);
});
