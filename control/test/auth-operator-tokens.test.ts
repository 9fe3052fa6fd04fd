import { describe, expect, it } from 'vitest';
import {
  checkOperatorToken,
  createOperatorToken,
  formatTokenFile,
  type OperatorTokenEntry,
  parseTokenFile,
  roleAllows,
} from '../src/auth/operator-tokens.js';

function byId(entries: OperatorTokenEntry[]): Map<string, OperatorTokenEntry> {
  return new Map(entries.map((e) => [e.id, e]));
}

describe('operator tokens', () => {
  it('round-trips through the token file, which holds no token', () => {
    const a = createOperatorToken('admin', 'alice');
    const v = createOperatorToken('viewer', 'grafana');
    const text = formatTokenFile([a.entry, v.entry]);
    // The secret is everything after `fop_` ID `_`; base64url may itself contain '_'.
    expect(text).not.toContain(a.token.slice('fop_'.length + 9));
    const parsed = byId(parseTokenFile(text));
    expect(checkOperatorToken(`Bearer ${a.token}`, parsed)).toMatchObject({
      ok: true,
      entry: { role: 'admin' },
    });
    expect(checkOperatorToken(`Bearer ${v.token}`, parsed)).toMatchObject({
      ok: true,
      entry: { name: 'grafana' },
    });
  });

  it('refuses missing, malformed and unknown tokens', () => {
    const a = createOperatorToken('operator', 'bob');
    const entries = byId([a.entry]);
    expect(checkOperatorToken(undefined, entries)).toEqual({ ok: false, reason: 'MISSING' });
    expect(checkOperatorToken(a.token, entries)).toEqual({ ok: false, reason: 'MALFORMED' });
    expect(checkOperatorToken(`Bearer ${a.token}x`, entries)).toEqual({ ok: false, reason: 'MALFORMED' });
    const other = createOperatorToken('operator', 'bob').token;
    expect(checkOperatorToken(`Bearer ${other}`, entries)).toEqual({ ok: false, reason: 'UNKNOWN' });
    // same id, another secret
    const forged = `${a.token.slice(0, 13)}${'A'.repeat(43)}`;
    expect(checkOperatorToken(`Bearer ${forged}`, entries)).toEqual({ ok: false, reason: 'UNKNOWN' });
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('operator', 'admin')).toBe(false);
  });

  it('names the line of a bad token file', () => {
    expect(() => parseTokenFile('abcdefgh root 00 alice\n', 'tokens')).toThrow(/tokens line 1: role/);
    const e = createOperatorToken('viewer', 'x').entry;
    const line = formatTokenFile([e]).split('\n')[1];
    expect(() => parseTokenFile(`${line}\n${line}\n`)).toThrow(/line 2: token id .* twice/);
  });
});
