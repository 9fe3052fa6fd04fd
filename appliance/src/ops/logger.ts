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

export function createAccessLog(dest: string): AccessLog {
  if (dest === 'off') return { enabled: false, write() {}, close() {} };
  // Asynchronous destination: the access log must never block the event loop.
  const stream = pino.destination({ dest: dest === '-' ? 1 : dest, sync: false, mkdir: true });
  const logger = pino({ base: undefined, messageKey: 'msg' }, stream);
  return {
    enabled: true,
    write(entry) {
      logger.info(entry, 'access');
    },
    close() {
      stream.flushSync();
    },
  };
}
