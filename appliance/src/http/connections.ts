// Per-connection bookkeeping of responses not yet finished, for two things node does not do:
//
// - Exact in-flight accounting. With pipelining, node queues a response until the one in
//   front of it has finished and only then gives it the socket; a queued response never
//   emits 'close' when the client goes away (node listens for the socket's 'close' only on
//   the response that holds the socket). Counting on res 'close' alone leaks one count per
//   queued response, and drain then never finishes. Here the connection's own 'close' ends
//   every response still pending on it.
// - Responses in request order (RFC 9112 §9.3.2: a server MUST send its responses in the
//   same order that the requests were received). When a malformed request follows valid
//   ones, node reports it through 'clientError' at once, while the earlier responses are
//   still being written; the error reply is held until they have finished, then the
//   connection is closed after it.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Conn {
  pending: Set<ServerResponse>;
  /** an error reply waiting for the pending responses to finish */
  deferred?: string;
}

export class ConnectionTracker {
  private readonly conns = new WeakMap<Socket, Conn>();
  private count = 0;

  constructor(private readonly onSettled: () => void = () => {}) {}

  /** Responses begun and not yet finished or abandoned, over every connection. */
  get inFlight(): number {
    return this.count;
  }

  /** Call from the server's 'connection' event. */
  attach(socket: Socket): void {
    this.conn(socket);
  }

  /** Call first thing in the 'request' handler. */
  begin(res: ServerResponse): void {
    const socket = res.req.socket as Socket;
    const conn = this.conn(socket);
    conn.pending.add(res);
    this.count++;
    // One shared listener, no closure per request: the response carries what it needs.
    (res as TrackedResponse)[TRACKED] = { tracker: this, socket, conn };
    res.on('close', onResponseClose);
  }

  /**
   * Writes an error reply (a complete HTTP/1.1 response, with Connection: close) and ends
   * the connection, after every response already begun on it has finished.
   */
  replyThenClose(socket: Socket, reply: string): void {
    const conn = this.conns.get(socket);
    if (conn?.deferred !== undefined) return; // the parser reports its error once per chunk
    if (!conn || conn.pending.size === 0) {
      closeWith(socket, reply);
      return;
    }
    conn.deferred = reply;
  }

  private conn(socket: Socket): Conn {
    let conn = this.conns.get(socket);
    if (!conn) {
      const created: Conn = { pending: new Set() };
      conn = created;
      this.conns.set(socket, created);
      socket.once('close', () => {
        for (const res of [...created.pending]) this.end(socket, created, res);
      });
    }
    return conn;
  }

  /** @internal (onResponseClose) */
  end(socket: Socket, conn: Conn, res: ServerResponse): void {
    if (!conn.pending.delete(res)) return;
    this.count--;
    if (conn.pending.size === 0 && conn.deferred !== undefined) closeWith(socket, conn.deferred);
    this.onSettled();
  }
}

const TRACKED = Symbol('ferry.tracked');
type TrackedResponse = ServerResponse & {
  [TRACKED]?: { tracker: ConnectionTracker; socket: Socket; conn: Conn };
};

function onResponseClose(this: ServerResponse): void {
  const t = (this as TrackedResponse)[TRACKED];
  if (t) t.tracker.end(t.socket, t.conn, this);
}

function closeWith(socket: Socket, reply: string): void {
  // A draining server has already ended a finished keep-alive connection itself.
  if (socket.destroyed || socket.writableEnded) {
    socket.destroy();
    return;
  }
  socket.end(reply);
}
