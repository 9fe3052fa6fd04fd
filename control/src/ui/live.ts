// The dashboard's live stream (GET /ui/api/stream, Server-Sent Events): a snapshot at once,
// then every second, and at once when an appliance's health or admin state changes. Each
// stream belongs to a session and closes when it ends. Bounded: past `maxStreams` a new one
// is refused (503). A comment line every 15 s keeps proxies from closing a quiet connection;
// a client that does not read is skipped until its socket drains, never buffered without end.
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { listApplianceViews } from '../queries/appliances.js';
import { buildSnapshot, type FleetSnapshot, type SnapshotSources } from './fleet-snapshot.js';
import type { UiSessions } from './sessions.js';
import type { CounterValues } from './steering-samples.js';

export const MAX_STREAMS = 32;

interface Stream {
  res: ServerResponse;
  sessionId: string;
  /** the socket's buffer is full: skip snapshots until it drains */
  blocked: boolean;
}

export interface LiveOptions {
  sources: SnapshotSources;
  sessions: UiSessions;
  /** the steering decisions counter, read once a second */
  readDecisions: () => Promise<CounterValues>;
  logger: FastifyBaseLogger;
  maxStreams?: number;
  intervalMs?: number;
  keepaliveMs?: number;
  /** how often health and admin state are compared for a change to push at once */
  watchMs?: number;
}

export class UiLive {
  private readonly streams = new Set<Stream>();
  private readonly timers: NodeJS.Timeout[] = [];
  private fingerprint = '';
  private pushQueued = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: LiveOptions) {
    this.unsubscribe = opts.sessions.onEnd((id) => {
      for (const s of [...this.streams]) if (s.sessionId === id) this.close(s);
    });
  }

  get count(): number {
    return this.streams.size;
  }

  get full(): boolean {
    return this.streams.size >= (this.opts.maxStreams ?? MAX_STREAMS);
  }

  start(): void {
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.intervalMs ?? 1000, () => void this.tick());
    every(this.opts.keepaliveMs ?? 15_000, () => {
      for (const s of this.streams) if (!s.blocked) s.res.write(': keepalive\n\n');
    });
    every(this.opts.watchMs ?? 200, () => {
      if (this.streams.size > 0 && this.changed()) this.poke();
    });
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.unsubscribe();
    for (const s of [...this.streams]) this.close(s);
  }

  /** Pushes a snapshot to every stream soon (coalesced): a health verdict just changed. */
  poke(): void {
    if (this.pushQueued) return;
    this.pushQueued = true;
    setImmediate(() => {
      this.pushQueued = false;
      this.broadcast();
    });
  }

  /** Takes over a hijacked response: headers, the first snapshot, then the stream. */
  open(res: ServerResponse, sessionId: string): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and the like would otherwise buffer the stream
      'x-accel-buffering': 'no',
    });
    // Tells EventSource how soon to reconnect after a drop.
    res.write('retry: 2000\n\n');
    const s: Stream = { res, sessionId, blocked: false };
    this.streams.add(s);
    res.on('close', () => this.streams.delete(s));
    res.on('drain', () => {
      s.blocked = false;
    });
    this.send(s, snapshotEvent(this.snapshot()));
  }

  snapshot(): FleetSnapshot {
    return buildSnapshot(this.opts.sources);
  }

  private async tick(): Promise<void> {
    try {
      this.opts.sources.samples.add(await this.opts.readDecisions(), Date.now());
      this.opts.sessions.sweep();
      if (this.streams.size > 0) this.broadcast();
    } catch (err) {
      this.opts.logger.error({ err }, 'dashboard snapshot failed');
    }
  }

  private broadcast(): void {
    if (this.streams.size === 0) return;
    this.changed();
    // Serialised once for every stream: the snapshot is the same for all of them.
    const text = snapshotEvent(this.snapshot());
    for (const s of this.streams) this.send(s, text);
  }

  private send(s: Stream, text: string): void {
    if (s.blocked) return;
    s.blocked = !s.res.write(text);
  }

  private close(s: Stream): void {
    this.streams.delete(s);
    s.res.end();
  }

  /** Has any appliance's health, reported state or admin state moved since the last look? */
  private changed(): boolean {
    const fp = listApplianceViews(this.opts.sources.model)
      .map((a) => `${a.id}:${a.health}:${a.reportedState}:${JSON.stringify(a.admin)}`)
      .join(',');
    if (fp === this.fingerprint) return false;
    this.fingerprint = fp;
    return true;
  }
}

function snapshotEvent(snap: FleetSnapshot): string {
  return `event: snapshot\ndata: ${JSON.stringify(snap)}\n\n`;
}
