// `ferry control appliance add|list|disable|enable|remove` against a real control app: the
// token comes from --token or FERRY_TOKEN, and each command goes through the API.
import { generateSigningKeyPair } from '@ferry/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  runApplianceAdd,
  runApplianceList,
  runApplianceRemove,
  runApplianceSetDisabled,
} from '../src/auth/appliance-cli.js';
import { startTestControl, type TestControl } from './support/test-control.js';

let t: TestControl;
beforeAll(async () => {
  t = await startTestControl();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env['FERRY_TOKEN'];
});

function capture(): () => string {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => out.join('');
}

describe('ferry control appliance', () => {
  it('adds, lists, disables, enables and removes an appliance', async () => {
    const key = generateSigningKeyPair().publicKey;
    const out = capture();
    const opts = { control: t.base, token: t.tokens.operator };
    await runApplianceAdd({ ...opts, id: 'cli-1', site: 'lab', publicKey: key, urlHost: ['127.0.0.9'] });
    process.env['FERRY_TOKEN'] = t.tokens.viewer;
    await runApplianceList({ control: t.base });
    expect(out()).toMatch(/cli-1\tlab\tenrolled\t-\t127\.0\.0\.9\t/);
    await runApplianceSetDisabled({ ...opts, id: 'cli-1' }, true);
    expect(out()).toMatch(/cli-1\tlab\tdisabled/);
    await runApplianceSetDisabled({ ...opts, id: 'cli-1' }, false);
    await runApplianceRemove({ ...opts, id: 'cli-1' });
    expect(t.control.model.identities.get('cli-1')).toBeUndefined();
  });

  it('needs a token, and names a refusal', async () => {
    capture();
    await expect(runApplianceList({ control: t.base })).rejects.toThrow(/FERRY_TOKEN/);
    await expect(
      runApplianceRemove({ control: t.base, token: t.tokens.viewer, id: 'ghost' }),
    ).rejects.toThrow(/FERRY_ERR_AUTH_FORBIDDEN/);
  });
});
