// --last-resort: on by default, `off` turns it off, anything else is refused naming the flag.
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../src/config.js';

const listen = { host: '127.0.0.1', port: 0 };

describe('--last-resort', () => {
  it('is on by default and takes on or off', () => {
    expect(configFromFlags({ listen }).lastResort).toBe(true);
    expect(configFromFlags({ listen, lastResort: 'on' }).lastResort).toBe(true);
    expect(configFromFlags({ listen, lastResort: 'off' }).lastResort).toBe(false);
  });

  it('refuses anything else, naming the flag', () => {
    for (const v of ['yes', '', 'OFF']) {
      expect(() => configFromFlags({ listen, lastResort: v })).toThrow(/--last-resort must be on or off/);
    }
  });
});
