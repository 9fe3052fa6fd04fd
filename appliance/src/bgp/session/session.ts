// One BGP session: the FSM (fsm.ts) with a TCP socket and real timers around it. Active
// sessions connect out; passive ones are handed accepted sockets by the listener. Every
// decoding failure becomes the RFC's NOTIFICATION and a closed connection, never a crash.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { decodeMessage, encodeMessage, splitMessages } from '../codec/codec.js';
import {
  AFI_IPV4,
  BgpError,
  type BgpMessage,
  ErrorCode,
  MessageType,
  type OpenMessage,
  type UpdateMessage,
} from '../codec/types.js';
import { compareOnOpen, type Initiator, resolveCollision } from './collision.js';
import { Fsm } from './fsm.js';
import {
  CeaseSubcode,
  describeNotification,
  type FsmAction,
  type FsmEvent,
  openWaitMs,
  type State,
} from './fsm-types.js';
import type { Refusal } from './listener.js';
import { localOpen, type Negotiated, type PeerGracefulRestart } from './negotiate.js';
import { canonicalAddress, type NeighborConfig, peerKey } from './neighbors.js';
import { md5Socket } from './tcp-md5.js';
import { type Clock, expiryEvent, systemClock, TimerSet } from './timers.js';

export interface SessionOptions {
  neighbor: NeighborConfig;
  logger: Logger;
  clock?: Clock;
  /** uniform in [0, 1), for the backoff jitter */
  random?: () => number;
  maxBackoffSec?: number;
}

export interface ReceivedCounts {
  updates: number;
  prefixesV4: number;
  prefixesV6: number;
  withdrawn: number;
}

export interface SessionEvents {
  state: [state: State, reason: string];
  established: [negotiated: Negotiated];
  update: [update: UpdateMessage];
  'route-refresh': [afi: number, safi: number];
  /** the peer's End-of-RIB marker for a family (RFC 4724 §2) */
  'end-of-rib': [afi: number, safi: number];
  /** left Established; with `graceful`, the peer's routes are to be kept stale (RFC 4724 §4.2) */
  down: [reason: string, graceful: PeerGracefulRestart | undefined];
}

/** How long a closing connection may take to flush its last NOTIFICATION before it is destroyed. */
const CLOSE_GRACE_MS = 2000;
/** Outgoing UPDATEs are coalesced into writes of about this size. */
const WRITE_CHUNK = 64 * 1024;

export class BgpSession extends EventEmitter<SessionEvents> {
  readonly neighbor: NeighborConfig;
  readonly key: string;
  private readonly fsm: Fsm;
  private readonly timers: TimerSet;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private socket: Socket | undefined;
  /** who opened the current connection, for collision resolution */
  private initiator: Initiator | undefined;
  /** the connection a ConnectionReplaced event is about to adopt */
  private pending: Socket | undefined;
  /**
   * A connection from the peer held while our own is in OpenSent (RFC 4271 §6.8): our OPEN
   * is sent on it, and the first OPEN read, on either, decides which one stays.
   */
  private held: HeldConnection | undefined;
  /** bumped whenever the connection changes, so late events of an old socket are ignored */
  private generation = 0;
  private inbuf: Buffer = Buffer.alloc(0);
  private sinceMs: number;
  private remote: string | undefined;
  private lastReason = 'not started';
  lastError: string | undefined;
  received: ReceivedCounts = { updates: 0, prefixesV4: 0, prefixesV6: 0, withdrawn: 0 };

  constructor(opts: SessionOptions) {
    super();
    this.neighbor = opts.neighbor;
    this.key = peerKey(opts.neighbor);
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger.child({ peer: this.key });
    this.fsm = new Fsm({ neighbor: opts.neighbor, random: opts.random, maxBackoffSec: opts.maxBackoffSec });
    this.timers = new TimerSet(this.clock, (name) => this.handle({ type: expiryEvent[name] }));
    this.sinceMs = this.clock.now();
  }

  get state(): State {
    return this.fsm.state;
  }
  get negotiated(): Negotiated | undefined {
    return this.fsm.negotiated;
  }
  /** when the current state began (ms since the epoch on the session's clock) */
  get since(): number {
    return this.sinceMs;
  }
  get reason(): string {
    return this.lastReason;
  }
  /** this end's address of the connection, while connected */
  get localAddress(): string | undefined {
    return this.socket?.localAddress;
  }
  /** the connected peer's address, or the configured one */
  get address(): string {
    return this.remote ?? this.neighbor.address;
  }

  start(): void {
    this.handle({ type: 'ManualStart' });
  }

  /**
   * Sends Cease (when connected; subcode default Administrative Shutdown), closes, stays
   * Idle; resolves once the socket is gone.
   */
  async stop(reason = 'stopped', subcode?: number): Promise<void> {
    const socket = this.socket;
    this.handle({ type: 'ManualStop', reason, ...(subcode !== undefined ? { subcode } : {}) });
    this.timers.stopAll();
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, CLOSE_GRACE_MS).unref();
      });
    }
  }

  /**
   * Offers a connection accepted from the peer's address. Whether it is taken, replaces the
   * current connection or is refused is resolveCollision's call (RFC 4271 §6.8); undefined
   * means taken, else the listener closes it with the refusal's Cease subcode.
   */
  offer(socket: Socket): Refusal | undefined {
    const decision = resolveCollision({
      state: this.fsm.state,
      initiator: this.initiator,
      peerRouterId: this.fsm.negotiated?.peerRouterId,
      localRouterId: this.neighbor.routerId,
    });
    switch (decision.action) {
      case 'refuse': {
        const kind = decision.subcode === CeaseSubcode.COLLISION ? 'collision' : 'not-accepting';
        return { kind, subcode: decision.subcode, reason: decision.reason };
      }
      case 'accept':
        this.attach(socket, 'remote');
        this.handle({ type: 'TcpConnectionConfirmed' });
        return undefined;
      case 'hold':
        if (this.held) {
          return {
            kind: 'not-accepting',
            subcode: CeaseSubcode.CONNECTION_REJECTED,
            reason: 'a collision is already being resolved',
          };
        }
        this.logger.info({ state: this.fsm.state }, `bgp ${decision.reason}`);
        this.hold(socket);
        return undefined;
      case 'replace': {
        const remote = canonicalAddress(socket.remoteAddress ?? '');
        this.logger.warn({ remote, state: this.fsm.state }, `bgp ${decision.reason}`);
        this.pending = socket;
        this.handle({ type: 'ConnectionReplaced' });
        this.lastReason = decision.reason;
        // The FSM adopts it in OpenSent/OpenConfirm; should it not, the socket must not leak.
        this.pending?.destroy();
        this.pending = undefined;
        return undefined;
      }
    }
  }

  /**
   * The peer holds more than `limit` routes in a family (counted by the speaker): Cease 6/1
   * (RFC 4486 §4), routes dropped, Idle for `holdDownSec`.
   */
  maxPrefixExceeded(afi: number, safi: number, limit: number, holdDownSec: number): void {
    this.handle({ type: 'MaxPrefixExceeded', afi, safi, limit, holdDownSec });
  }

  /**
   * Writes encoded messages (UPDATEs) in Established, coalesced and with backpressure: waits
   * for 'drain' whenever the socket's buffer is full. Resolves false when the session ends first.
   */
  async writeMessages(messages: readonly Buffer[]): Promise<boolean> {
    const gen = this.generation;
    let batch: Buffer[] = [];
    let size = 0;
    const flush = async (): Promise<boolean> => {
      const socket = this.socket;
      if (gen !== this.generation || !socket || this.fsm.state !== 'Established') return false;
      const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch, size);
      batch = [];
      size = 0;
      if (socket.write(buf)) return true;
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
      return gen === this.generation;
    };
    for (const m of messages) {
      batch.push(m);
      size += m.length;
      if (size >= WRITE_CHUNK && !(await flush())) return false;
    }
    return size === 0 || (await flush());
  }

  private handle(ev: FsmEvent): void {
    const t = this.fsm.handle(ev);
    try {
      this.after(t);
    } finally {
      if (this.held) this.settleHeld();
    }
  }

  private after(t: ReturnType<Fsm['handle']>): void {
    if (t.from !== t.next.state) {
      this.sinceMs = this.clock.now();
      this.lastReason = t.reason;
      this.logger.info(
        { from: t.from, to: t.next.state, reason: t.reason },
        `bgp ${t.from} → ${t.next.state}`,
      );
    }
    for (const a of t.actions) this.run(a, t.reason);
    if (t.from !== t.next.state) {
      this.emit('state', t.next.state, t.reason);
      if (t.next.state === 'Established') {
        this.received = { updates: 0, prefixesV4: 0, prefixesV6: 0, withdrawn: 0 };
        this.emit('established', this.fsm.negotiated!);
      }
    }
  }

  private run(a: FsmAction, reason: string): void {
    switch (a.type) {
      case 'connect':
        this.connectOut();
        break;
      case 'send-open':
        this.send(encodeMessage(localOpen(this.neighbor), this.ctx()));
        break;
      case 'send-keepalive':
        this.send(encodeMessage({ type: MessageType.KEEPALIVE }, this.ctx()));
        break;
      case 'send-notification': {
        this.lastError = `sent NOTIFICATION ${describeNotification(a.code, a.subcode)}: ${reason}`;
        this.logger.warn({ code: a.code, subcode: a.subcode, reason }, 'bgp sending NOTIFICATION');
        const n = { type: MessageType.NOTIFICATION, code: a.code, subcode: a.subcode, data: a.data };
        this.send(encodeMessage(n, this.ctx()));
        break;
      }
      case 'start-timer':
        this.timers.start(a.timer, a.ms);
        break;
      case 'stop-timer':
        this.timers.stop(a.timer);
        break;
      case 'drop-connection':
        this.detach();
        break;
      case 'adopt-connection':
        if (this.pending) this.attach(this.pending, 'remote');
        this.pending = undefined;
        break;
      case 'deliver-update':
        this.deliver(a.update);
        break;
      case 'route-refresh':
        this.emit('route-refresh', a.afi, a.safi);
        break;
      case 'release-routes':
        this.emit('down', reason, a.graceful);
        break;
    }
  }

  private ctx() {
    return { fourOctetAs: this.fsm.negotiated?.fourOctetAs ?? false };
  }

  private deliver(update: UpdateMessage): void {
    if (update.endOfRib) {
      this.logger.info(update.endOfRib, 'bgp End-of-RIB received');
      this.emit('end-of-rib', update.endOfRib.afi, update.endOfRib.safi);
      return;
    }
    this.received.updates++;
    for (const p of update.announced) {
      if (p.afi === AFI_IPV4) this.received.prefixesV4++;
      else this.received.prefixesV6++;
    }
    this.received.withdrawn += update.withdrawn.length;
    this.emit('update', update);
  }

  private send(buf: Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(buf);
  }

  private connectOut(): void {
    const { address: host, port, localAddress, password } = this.neighbor;
    let socket: Socket;
    if (password !== undefined) {
      // RFC 2385: the key is on the socket before its SYN (and bound there, not by connect()).
      try {
        socket = md5Socket(host, password, localAddress);
      } catch (err) {
        this.lastError = `cannot make a TCP MD5 socket: ${(err as Error).message}`;
        this.logger.error({ err }, 'bgp TCP MD5 socket failed');
        queueMicrotask(() => this.handle({ type: 'TcpConnectionFails', reason: this.lastError! }));
        return;
      }
      socket.connect({ host, port });
    } else {
      socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    }
    const gen = this.attach(socket, 'local');
    socket.once('connect', () => {
      if (gen === this.generation) this.handle({ type: 'TcpConnectionConfirmed' });
    });
  }

  private attach(socket: Socket, initiator: Initiator): number {
    this.detach();
    const gen = ++this.generation;
    this.socket = socket;
    this.initiator = initiator;
    this.inbuf = Buffer.alloc(0);
    this.remote = socket.remoteAddress ? canonicalAddress(socket.remoteAddress) : undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (gen === this.generation) this.onData(chunk, gen);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (gen !== this.generation) return;
      this.lastError = `connection error: ${err.code ?? err.message}`;
      this.handle({ type: 'TcpConnectionFails', reason: err.code ?? err.message });
    });
    socket.on('close', () => {
      if (gen === this.generation) this.handle({ type: 'TcpConnectionFails', reason: 'closed by peer' });
    });
    return gen;
  }

  /** Lets the last writes (a NOTIFICATION) reach the peer, then closes; ignores the socket from now on. */
  private detach(): void {
    const socket = this.socket;
    if (!socket) return;
    this.generation++;
    this.socket = undefined;
    this.initiator = undefined;
    this.inbuf = Buffer.alloc(0);
    socket.removeAllListeners('data');
    socket.on('error', () => {});
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Keeps a colliding connection from the peer: our OPEN on it, then wait for its OPEN. */
  private hold(socket: Socket): void {
    const h: HeldConnection = {
      socket,
      buf: Buffer.alloc(0),
      // Bounded like any connection's OPEN wait; the peer retries if it lets this lapse.
      timer: setTimeout(() => this.dropHeld(h, undefined), openWaitMs(this.fsm.config)),
    };
    h.timer.unref();
    this.held = h;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.held === h) this.dropHeld(h, undefined);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.held === h) this.onHeldData(h, chunk);
    });
    socket.write(encodeMessage(localOpen(this.neighbor), this.ctx()));
  }

  private onHeldData(h: HeldConnection, chunk: Buffer): void {
    h.buf = h.buf.length === 0 ? chunk : Buffer.concat([h.buf, chunk]);
    let first: Buffer | undefined;
    try {
      const split = splitMessages(h.buf);
      first = split.messages[0];
      if (!first) return;
      const m = decodeMessage(first, { fourOctetAs: false });
      if (m.type !== MessageType.OPEN) throw new Error(`message type ${m.type} before OPEN`);
      h.open = m;
      h.buf = Buffer.from(h.buf.subarray(first.length));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'bgp held connection sent no valid OPEN');
      this.dropHeld(h, undefined);
      return;
    }
    this.settleHeld();
  }

  /**
   * Decides a held connection once an Identifier is known (RFC 4271 §6.8): from its OPEN, or
   * from ours reaching OpenConfirm. Established wins outright; a neighbor no longer
   * connecting drops it (the peer retries).
   */
  private settleHeld(): void {
    const h = this.held;
    if (!h) return;
    const state = this.fsm.state;
    if (state === 'Established') {
      this.dropHeld(h, CeaseSubcode.COLLISION);
      return;
    }
    if (state !== 'OpenSent' && state !== 'OpenConfirm') {
      this.dropHeld(h, CeaseSubcode.CONNECTION_REJECTED);
      return;
    }
    const peerId = this.fsm.negotiated?.peerRouterId ?? h.open?.routerId;
    if (peerId === undefined) return;
    if (compareOnOpen(this.neighbor.routerId, peerId) === 'keep-ours') {
      this.logger.info(
        { peerId },
        'bgp connection collision: our Identifier is higher, our connection stays',
      );
      this.dropHeld(h, CeaseSubcode.COLLISION);
      return;
    }
    this.logger.info(
      { peerId },
      'bgp connection collision: the peer has the higher Identifier, its connection stays',
    );
    this.held = undefined;
    clearTimeout(h.timer);
    h.socket.removeAllListeners('data');
    h.socket.removeAllListeners('close');
    this.pending = h.socket;
    this.handle({ type: 'ConnectionReplaced', openSent: true });
    this.pending?.destroy();
    this.pending = undefined;
    if (this.socket !== h.socket) return;
    const gen = this.generation;
    if (h.open) this.handle({ type: 'BGPOpen', open: h.open });
    if (h.buf.length > 0 && gen === this.generation) this.onData(h.buf, gen);
  }

  /** Closes a held connection, with a Cease when a subcode is given. */
  private dropHeld(h: HeldConnection, subcode: number | undefined): void {
    if (this.held === h) this.held = undefined;
    clearTimeout(h.timer);
    h.socket.removeAllListeners('data');
    if (subcode === undefined || h.socket.destroyed) {
      h.socket.destroy();
      return;
    }
    const n = {
      type: MessageType.NOTIFICATION,
      code: ErrorCode.CEASE,
      subcode,
      data: new Uint8Array(0),
    } as const;
    h.socket.end(encodeMessage(n, this.ctx()));
    setTimeout(() => h.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onData(chunk: Buffer, gen: number): void {
    const buf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    let messages: Buffer[];
    try {
      const split = splitMessages(buf);
      messages = split.messages;
      this.inbuf = split.rest.length === 0 ? Buffer.alloc(0) : Buffer.from(split.rest);
    } catch (err) {
      this.decodeFailed(err);
      return;
    }
    for (const msg of messages) {
      if (gen !== this.generation) return;
      let m: BgpMessage;
      try {
        m = decodeMessage(msg, this.ctx());
      } catch (err) {
        this.decodeFailed(err);
        return;
      }
      this.handle(eventFor(m));
    }
  }

  private decodeFailed(err: unknown): void {
    // Anything but a BgpError is a codec bug: still a session reset, never a crash.
    const e = err instanceof BgpError ? err : new BgpError(5, 0, `cannot decode: ${(err as Error).message}`);
    if (!(err instanceof BgpError)) this.logger.error({ err }, 'bgp decoder failed');
    this.handle({ type: 'DecodeError', error: e });
  }
}

interface HeldConnection {
  socket: Socket;
  buf: Buffer;
  timer: NodeJS.Timeout;
  /** its OPEN, once read; what came after it stays in buf */
  open?: OpenMessage;
}

function eventFor(m: BgpMessage): FsmEvent {
  switch (m.type) {
    case MessageType.OPEN:
      return { type: 'BGPOpen', open: m };
    case MessageType.UPDATE:
      return { type: 'UpdateMsg', update: m };
    case MessageType.NOTIFICATION:
      return { type: 'NotifMsg', notification: m };
    case MessageType.KEEPALIVE:
      return { type: 'KeepAliveMsg' };
    case MessageType.ROUTE_REFRESH:
      return { type: 'RouteRefreshMsg', afi: m.afi, safi: m.safi };
  }
}
