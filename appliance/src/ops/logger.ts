// pino loggers: the service log (stderr, so stdout can carry the access log) and the
// access log, whose destination is configurable: a file, '-' for stdout, or 'off'.
import pino from 'pino';

export type Logger = pino.Logger;

export function createServiceLogger(level: string, bindings: Record<string, unknown>): Logger {
  return pino({ level, base: { ...bindings, pid: process.pid } }, pino.destination({ dest: 2, sync: false }));
}

export interface AccessLog {
  /** False for `--access-log off`: callers skip building entries nobody writes. */
  readonly enabled: boolean;
  write(entry: AccessEntry): void;
  /**
   * SIGHUP: the same file opened again by name (logrotate has renamed the old one), or a
   * new destination; lines pending are written to the old one first.
   */
  reopen(dest?: string, onError?: (err: Error) => void): void;
  close(): void;
}

export interface AccessEntry {
  method: string;
  path: string;
  fileId?: string;
  status: number;
  bytes: number;
  bodyPath?: string;
  range?: string;
  client?: string;
  ms: number;
  outcome?: string;
}

type Destination = ReturnType<typeof pino.destination>;

function openDestination(dest: string): Destination | undefined {
  if (dest === 'off') return undefined;
  // Asynchronous destination: the access log must never block the event loop.
  return pino.destination({ dest: dest === '-' ? 1 : dest, sync: false, mkdir: true });
}

export function createAccessLog(initial: string): AccessLog {
  let dest = initial;
  let stream = openDestination(dest);
  // Lines are gathered and handed over in batches (ACCESS_BATCH_BYTES, or after
  // ACCESS_FLUSH_MS): one file write per line was, per small request, as costly as the
  // rest of the request. A line reaches the file at most ACCESS_FLUSH_MS after its response.
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const hand = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    stream?.write(pending);
    pending = '';
  };
  return {
    get enabled() {
      return stream !== undefined;
    },
    write(entry) {
      if (!stream) return;
      pending += accessLine(entry, Date.now());
      if (pending.length >= ACCESS_BATCH_BYTES) hand();
      else timer ??= setTimeout(hand, ACCESS_FLUSH_MS).unref();
    },
    reopen(next = dest, onError) {
      hand();
      // At start a destination that cannot be opened stops the appliance; on a reload it is
      // logged (onError) and the appliance goes on serving.
      const guard = (s: Destination | undefined) => {
        if (s && onError && s.listenerCount('error') === 0) s.on('error', onError);
      };
      if (next === dest && stream && dest !== '-') {
        guard(stream);
        stream.reopen();
        return;
      }
      if (next === dest) return;
      const old = stream;
      const oldDest = dest;
      stream = openDestination(next);
      guard(stream);
      dest = next;
      if (old && oldDest !== '-') old.end();
    },
    close() {
      hand();
      stream?.flushSync();
    },
  };
}

const ACCESS_BATCH_BYTES = 16 * 1024;
const ACCESS_FLUSH_MS = 100;

const str = JSON.stringify;

/**
 * One access-log line, byte for byte what pino's logger.info(entry, 'access') wrote (level
 * 30, time, the entry's fields in order without the absent ones, msg), built directly: one
 * line per response made pino's generic serialiser a visible share of a small request.
 * Strings from the request (path, range) go through JSON.stringify, which escapes them.
 */
export function accessLine(e: AccessEntry, timeMs: number): string {
  let line = `{"level":30,"time":${timeMs},"method":${str(e.method)},"path":${str(e.path)}`;
  if (e.fileId !== undefined) line += `,"fileId":${str(e.fileId)}`;
  line += `,"status":${e.status},"bytes":${e.bytes}`;
  if (e.bodyPath !== undefined) line += `,"bodyPath":${str(e.bodyPath)}`;
  if (e.outcome !== undefined) line += `,"outcome":${str(e.outcome)}`;
  if (e.range !== undefined) line += `,"range":${str(e.range)}`;
  if (e.client !== undefined) line += `,"client":${str(e.client)}`;
  return `${line},"ms":${e.ms},"msg":"access"}\n`;
}
