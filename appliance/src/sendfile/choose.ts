// Picks the body sender for a process: the native sendfile engine where it loads, the copy
// path elsewhere ('auto'), or exactly one of them when asked. Over TLS the engine's raw
// file bytes would reach the viewer unencrypted unless the kernel encrypts them (kTLS with
// the session's keys installed, which is not built: docs/appliance.md, "HTTPS"), so with
// TLS on every body takes the copy path and node encrypts it.
import { FerryError } from '@ferry/protocol';
import { loadSendfileEngine } from './binding.js';
import type { BodySender, BodySenderOptions } from './body-sender.js';
import { CopySender } from './copy-sender.js';
import { SendfileErrors } from './errors.js';
import { NativeSender } from './native-sender.js';

export type SenderKind = 'auto' | 'sendfile' | 'copy';

export interface ChosenSender {
  sender: BodySender;
  /** why this path: for the startup log line */
  reason: string;
}

export class SendfileUnavailableError extends FerryError {
  constructor(reason: string) {
    super(SendfileErrors.UNAVAILABLE, reason);
    this.name = 'SendfileUnavailableError';
  }
}

/** Set when the viewers' port speaks TLS. */
export interface SenderTls {
  /** what the kTLS probe found (tls/ktls.ts), for the reason given */
  ktls: { available: boolean; reason: string };
}

/**
 * The copy path still reads small cached bodies at once when the addon can say what is
 * cached; bytes pass through JavaScript (and, over TLS, node's encryption) either way.
 */
function copySender(opts: BodySenderOptions): CopySender {
  const engine = loadSendfileEngine(opts.addonPath);
  const readCached = engine.ok ? engine.binding.readCached?.bind(engine.binding) : undefined;
  return new CopySender({ ...opts, readCached });
}

export function createBodySender(
  kind: SenderKind,
  opts: BodySenderOptions = {},
  tls?: SenderTls,
): ChosenSender {
  if (kind === 'copy') return { sender: copySender(opts), reason: 'copy path requested' };
  if (kind !== 'auto' && kind !== 'sendfile')
    throw new TypeError(`unknown body sender kind: ${String(kind)}`);
  if (tls) {
    const why = tls.ktls.available
      ? 'the kernel offers kTLS, but installing TLS session keys in it is not built'
      : `no kTLS (${tls.ktls.reason})`;
    if (kind === 'sendfile') {
      throw new SendfileUnavailableError(
        `the viewers' port speaks TLS and sendfile would send plain bytes: ${why}`,
      );
    }
    return { sender: copySender(opts), reason: `copy path: TLS on, node encrypts the bodies; ${why}` };
  }
  const loaded = loadSendfileEngine(opts.addonPath);
  if (loaded.ok) {
    return {
      sender: new NativeSender(loaded.binding, opts),
      reason: `sendfile engine loaded from ${loaded.file}`,
    };
  }
  if (kind === 'sendfile') throw new SendfileUnavailableError(loaded.reason);
  return { sender: new CopySender(opts), reason: `copy path: ${loaded.reason}` };
}
