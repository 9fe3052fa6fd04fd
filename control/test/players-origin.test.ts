// The origin the players' absolute URLs are built on: Host and the connection's scheme, or
// what a trusted proxy's X-Forwarded-Host/-Proto say; nothing that could break a manifest.
import { describe, expect, it } from 'vitest';
import { requestOrigin } from '../src/players/origin.js';

const direct = {
  forwardedHost: undefined,
  forwardedProto: undefined,
  viaTrustedProxy: false,
  encrypted: false,
};

describe('requestOrigin', () => {
  it('uses Host and the connection scheme', () => {
    expect(requestOrigin({ ...direct, host: 'control.example:8080' })).toBe('http://control.example:8080');
    expect(requestOrigin({ ...direct, host: '127.0.0.1:9', encrypted: true })).toBe('https://127.0.0.1:9');
    expect(requestOrigin({ ...direct, host: '[::1]:8080' })).toBe('http://[::1]:8080');
  });

  it('ignores X-Forwarded-* from anyone but a trusted proxy', () => {
    const spoofed = { ...direct, host: 'control:80', forwardedHost: 'evil.example', forwardedProto: 'https' };
    expect(requestOrigin(spoofed)).toBe('http://control:80');
    expect(requestOrigin({ ...spoofed, viaTrustedProxy: true })).toBe('https://evil.example');
  });

  it('takes the nearest hop of a trusted proxy chain and only http or https', () => {
    expect(
      requestOrigin({
        host: 'inner:8080',
        forwardedHost: 'outer.example, ferry.example',
        forwardedProto: ['gopher'],
        viaTrustedProxy: true,
        encrypted: false,
      }),
    ).toBe('http://ferry.example');
  });

  it('refuses a missing or malformed host', () => {
    for (const host of [undefined, '', 'a b', 'x"y', 'host/path', 'h:99999999', 'a\r\nb']) {
      expect(requestOrigin({ ...direct, host }), String(host)).toBeUndefined();
    }
  });
});
