// TCP MD5 signatures (RFC 2385) through the native addon (appliance/native/src/tcp-md5.c):
// a key per peer address on the listening socket before the peer connects, and for outgoing
// sessions a socket made natively with its key set before connect(), handed to net.Socket
// (Node 20 connects a Socket built on an unconnected fd). A neighbor with a password and no
// addon is a start error: never an unauthenticated session in its place.
import { Socket } from 'node:net';
import { loadSendfileEngine } from '../../sendfile/binding.js';
import { bgpConfigError } from '../errors.js';

interface Md5Binding {
  tcpMd5SetKey(fd: number, address: string, key: Buffer): void;
  tcpMd5Socket(address: string, key: Buffer, localAddress: string): number;
}

let cached: Md5Binding | string | undefined;

/** The addon's MD5 functions, or why they are not there. */
function binding(): Md5Binding | string {
  if (cached !== undefined) return cached;
  const loaded = loadSendfileEngine();
  if (!loaded.ok) cached = loaded.reason;
  else {
    const b = loaded.binding as unknown as Partial<Md5Binding>;
    cached =
      typeof b.tcpMd5SetKey === 'function' && typeof b.tcpMd5Socket === 'function'
        ? (b as Md5Binding)
        : `${loaded.file} has no TCP MD5 functions (rebuild: npm run build:native)`;
  }
  return cached;
}

function need(): Md5Binding {
  const b = binding();
  if (typeof b === 'string') {
    throw bgpConfigError(`a neighbor "password" (TCP MD5, RFC 2385) needs the native addon: ${b}`);
  }
  return b;
}

/** Throws FERRY_ERR_BGP_CONFIG when passwords are configured and cannot be honoured. */
export function checkMd5Available(): void {
  need();
}

/** Sets the key for connections from `address` on a listening socket (its fd). */
export function setListenerKey(fd: number, address: string, password: string): void {
  need().tcpMd5SetKey(fd, address, Buffer.from(password));
}

/** A Socket, not yet connected, whose SYN and every segment will carry the MD5 signature. */
export function md5Socket(address: string, password: string, localAddress?: string): Socket {
  const fd = need().tcpMd5Socket(address, Buffer.from(password), localAddress ?? '');
  return new Socket({ fd, readable: true, writable: true });
}
