// A TCP relay that dials its target late: a connection to it is up at once, but what is
// sent reaches the target only `dialDelayMs` later. Collision tests use it to keep the
// appliance's own connection in OpenSent (its OPEN not yet at the router) while the
// router's connection arrives, as on a slow path.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  /** connections relayed so far */
  readonly relayed: number;
  close(): Promise<void>;
}

export async function startDelayProxy(o: {
  host: string;
  target: { host: string; port: number; localAddress?: string };
  dialDelayMs: number;
}): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let relayed = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server: Server = createServer((near) => {
    track(near);
    const held: Buffer[] = [];
    const hold = (c: Buffer) => held.push(c);
    near.on('data', hold);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (near.destroyed) return;
      relayed++;
      const far = connect(o.target);
      track(far);
      far.once('connect', () => {
        near.off('data', hold);
        for (const c of held) far.write(c);
        near.pipe(far);
        far.pipe(near);
      });
      near.on('close', () => far.destroy());
      far.on('close', () => near.destroy());
    }, o.dialDelayMs);
    timers.add(timer);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, o.host, () => res());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    get relayed() {
      return relayed;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
