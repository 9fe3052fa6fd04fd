// Picks the body sender for a process: the native sendfile engine where it loads, the copy
// path elsewhere ('auto'), or exactly one of them when asked.
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

export function createBodySender(kind: SenderKind, opts: BodySenderOptions = {}): ChosenSender {
  if (kind === 'copy') {
    // The copy path still reads small cached bodies at once when the addon can say what is
    // cached; bytes pass through JavaScript either way.
    const engine = loadSendfileEngine(opts.addonPath);
    const readCached = engine.ok ? engine.binding.readCached?.bind(engine.binding) : undefined;
    return { sender: new CopySender({ ...opts, readCached }), reason: 'copy path requested' };
  }
  if (kind !== 'auto' && kind !== 'sendfile')
    throw new TypeError(`unknown body sender kind: ${String(kind)}`);
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
