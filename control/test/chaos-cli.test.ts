// `ferry chaos run|list|abort` as a user runs them, against a real control with three
// appliances, and `ferry control`'s chaos flags: the public key logged at start, and clear
// usage errors for bad values, a bad policy and a policy without a key.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { generateSigningKeyPair } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosFleet, SITE_OF_THREE, startChaosFleet } from './support/chaos-fleet.js';
import { type FerryProc, ferryControl, ferryRun, killAll } from './support/ferry-cli.js';

let f: ChaosFleet;
const started: FerryProc[] = [];
beforeAll(async () => {
  f = await startChaosFleet(SITE_OF_THREE);
});
afterAll(async () => {
  await killAll(started);
  await f?.close();
});

describe('ferry chaos', () => {
  it('runs an experiment, names the rule that refuses another, lists them and aborts all', async () => {
    const env = { FERRY_TOKEN: f.t.tokens.operator };
    const control = ['--control', f.t.base];
    const run = await ferryRun(
      [
        'chaos',
        'run',
        '--kind',
        'latency',
        '--appliance',
        'a1',
        '--duration',
        '60',
        '--delay-ms',
        '200',
        '--reason',
        'drill',
        ...control,
      ],
      env,
    );
    expect(run.stderr).toMatch(/experiment x\S+ running on a1 until 20\d\d-/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^ID +STATE +KIND +TARGET +START +END +BY +NOTE\nx\S+ +running +latency +a1 .* test-operator +delayMs=200; drill\n$/,
    );

    const refused = await ferryRun(
      ['chaos', 'run', '--kind', 'kill', '--appliance', 'a1', '--duration', '5', ...control],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 409 FERRY_ERR_CHAOS_RULE_OVERLAP: .*a1 is already under experiment/);

    const list = await ferryRun(['chaos', 'list', ...control, '--token', f.t.tokens.viewer]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/refused +kill +a1 .*overlap: a1 is already under experiment/);
    expect(rows[2]).toMatch(/running +latency +a1/);

    const abort = await ferryRun(['chaos', 'abort', '--all', ...control], env);
    expect(abort.code).toBe(0);
    expect(abort.stderr).toMatch(/aborted 1 experiment\(s\)/);
    expect(abort.stdout).toMatch(/aborted +latency +a1 .*aborted by test-operator \(all\)/);
    expect((await f.client().listChaos('running')).length).toBe(0);

    const noTarget = await ferryRun(['chaos', 'run', '--kind', 'kill', '--duration', '5', ...control], env);
    // A usage error: exit 2, and where the help is (docs/cli.md).
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/name one target: --appliance ID, or --site NAME/);
    expect(noTarget.stderr).toContain("See 'ferry chaos run --help'.");
  });
});

describe('ferry control chaos flags', () => {
  it('logs the chaos public key at start, and stops with a usage error for bad chaos flags', async () => {
    const keyFile = join(f.t.dir, 'chaos.key');
    const pair = generateSigningKeyPair();
    await writeFile(keyFile, pair.privateKeyPem, { mode: 0o600 });
    const badPolicy = join(f.t.dir, 'policy.json');
    await writeFile(badPolicy, JSON.stringify({ scopes: [{ enabled: true }] }));
    const db = (name: string) => ['--db', join(f.t.dir, `${name}.db`)];
    const listen = ['--listen', '127.0.0.1:0'];
    // Usage errors: exit 2 (docs/cli.md).
    const [share, policy, noKey] = await Promise.all([
      ferryRun(['control', ...listen, ...db('a'), '--chaos-key', keyFile, '--chaos-max-site-share', '2']),
      ferryRun(['control', ...listen, ...db('b'), '--chaos-key', keyFile, '--chaos-policy', badPolicy]),
      ferryRun(['control', ...listen, ...db('c'), '--chaos-policy', badPolicy]),
    ]);
    expect(share).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--chaos-max-site-share must be a share above 0 and at most 1/),
    });
    expect(policy).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--chaos-policy .*policy.json: \/scopes\/0/),
    });
    expect(noKey).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--chaos-policy needs --chaos-key/),
    });

    const proc = await ferryControl([...db('d'), '--chaos-key', keyFile], started);
    expect(proc.stderr()).toContain(
      `ferry control chaos key: ${pair.publicKey} (appliances: --chaos-verify-key)`,
    );
    // The service log is written asynchronously: the JSON line may follow the readiness line.
    await eventually(
      () => expect(proc.stderr()).toMatch(new RegExp(`"chaosPublicKey":"${pair.publicKey}"`)),
      {
        timeoutMs: 5000,
      },
    );
  });
});
