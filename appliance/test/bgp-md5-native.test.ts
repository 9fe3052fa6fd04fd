// The native TCP MD5 functions (tcp-md5.c through session/tcp-md5.ts) between two sockets of
// this process, for the address forms BIRD tests on IPv4 loopback cannot reach: IPv6, and an
// IPv4 peer of a dual-stack listener (keyed by its IPv4-mapped address). The right key
// connects and carries data; a wrong one never connects.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { md5Socket, setListenerKey } from '../src/bgp/session/tcp-md5.js';

const open: (Server | Socket)[] = [];
afterEach(() => {
  for (const s of open.splice(0)) {
    if ('destroy' in s) s.destroy();
    else s.close();
  }
});

async function listen(host: string): Promise<{ server: Server; port: number; fd: number }> {
  const server = createServer((c) => c.end('signed'));
  open.push(server);
  await new Promise<void>((res) => server.listen(0, host, () => res()));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as { port: number }).port, fd };
}

/** Connects with the key; resolves with what the server said, or 'no connection' after `ms`. */
function dial(host: string, port: number, key: string, ms: number, local?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = md5Socket(host, key, local);
    open.push(s);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve('no connection');
    }, ms);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      got += d.toString();
    });
    s.on('end', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.connect({ host, port });
  });
}

describe('TCP MD5, native', () => {
  it('IPv6: the right key connects, a wrong one does not', async () => {
    const { port, fd } = await listen('::1');
    setListenerKey(fd, '::1', 'v6-key');
    expect(await dial('::1', port, 'v6-key', 10_000)).toBe('signed');
    expect(await dial('::1', port, 'other-key', 3000)).toBe('no connection');
  });

  it('dual-stack listener: an IPv4 peer is keyed by its IPv4 address', async () => {
    const { port, fd } = await listen('::');
    setListenerKey(fd, '127.0.0.171', 'v4-on-v6');
    expect(await dial('127.0.0.1', port, 'v4-on-v6', 10_000, '127.0.0.171')).toBe('signed');
    expect(await dial('127.0.0.1', port, 'nope', 3000, '127.0.0.171')).toBe('no connection');
  });

  it('bad arguments are errors, not crashes', async () => {
    const { fd } = await listen('127.0.0.1');
    expect(() => setListenerKey(fd, 'not-an-address', 'k')).toThrow(/TCP_MD5SIG|Invalid/);
    expect(() => setListenerKey(-1, '127.0.0.1', 'k')).toThrow();
    expect(() => md5Socket('127.0.0.1', 'k', '::1')).toThrow(/TCP MD5 socket/);
  });
});
