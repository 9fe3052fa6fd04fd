// The kill fault on `ferry appliance` as a real process: it exits at once with
// CHAOS_KILL_EXIT_CODE (86), no drain, after one log line saying why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAOS_KILL_EXIT_CODE } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityKey } from '../src/identity/identity-key.js';
import { type RunningAppliance, startApplianceProcess } from './support/appliance-process.js';
import { ChaosControl } from './support/chaos-control.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('kill fault', () => {
  it('ends the appliance process with exit code 86 after one log line', async () => {
    const control = await new ChaosControl().start();
    cleanups.push(() => control.stop());
    const dir = mkdtempSync(join(tmpdir(), 'ferry-chaos-kill-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await createIdentityKey(join(dir, 'identity'));
    const app: RunningAppliance = await startApplianceProcess(
      [
        ['--id', 'chaos-appliance'],
        ['--listen', '127.0.0.1:0'],
        ['--store', join(dir, 'store')],
        ['--open'],
        ['--access-log', 'off'],
        ['--log-level', 'warn'],
        ['--control', control.url],
        ['--identity-key', join(dir, 'identity')],
        ['--chaos', 'on'],
        ['--chaos-verify-key', control.publicKey],
      ].flat(),
      15_000,
    );
    cleanups.push(() => {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    });
    let log = '';
    app.child.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
    });
    // Heartbeats flow before the order: the kill comes from control's reply, not at start.
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    expect(control.fake.heartbeats.length).toBeGreaterThan(0);
    control.want({ experimentId: 'k1', kind: 'kill', durationMs: 10_000 });
    const code = await Promise.race([
      app.exited,
      new Promise<'timeout'>((r) => setTimeout(r, 8000, 'timeout')),
    ]);
    expect(code).toBe(CHAOS_KILL_EXIT_CODE);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The empty store fails its turn-up test range, logged once at warn whenever the first
    // run ends (on a busy machine, after this listener is on): that line is not the kill's.
    const lines = log
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .filter((l) => !(JSON.parse(l) as { msg: string }).msg.startsWith('turn-up'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'chaos fault applied: kill', experimentId: 'k1' });
  });
});
