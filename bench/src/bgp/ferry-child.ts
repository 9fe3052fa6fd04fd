// The appliance side of `ferry bench bgp`, in a process of its own so that its RSS is only
// the speaker and the Adj-RIB-In. Listens for one BGP peer, and prints JSON lines on stdout:
//   {"event":"ready","rss":…,"heap":…}
//   {"event":"established","rss":…}
//   {"event":"progress","routes":…,"ms":…}          (every 250 ms while routes arrive)
//   {"event":"done","routes":…,"ms":…,"firstMs":…,"cpuMs":…,"rss":…,"heap":…,"maxRss":…,"attrSets":…}
// `ms` (last prefix installed) and `firstMs` (first UPDATE) count from Established. Stops on SIGTERM.

import { AdjRibIn, BgpSpeaker } from '@ferry/appliance';
import pino from 'pino';

export interface FerryChildJob {
  listenHost: string;
  listenPort: number;
  peerAddress: string;
  peerAs: number;
  localAs: number;
  /** routes expected in total (IPv4 + IPv6); `done` is printed when the RIB holds them */
  expect: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function out(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function memory(): { rss: number; heap: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as FerryChildJob;
  const rib = new AdjRibIn();
  let establishedAt = 0;
  let doneAt = 0;
  let firstAt = 0;
  const speaker = new BgpSpeaker({
    neighbors: [
      {
        address: job.peerAddress,
        port: 179,
        peerAs: job.peerAs,
        localAs: job.localAs,
        routerId: job.listenHost,
        mode: 'passive',
        holdTimeSec: 90,
        connectRetrySec: 5,
      },
    ],
    listen: { host: job.listenHost, port: job.listenPort },
    logger: pino({ level: 'warn' }, pino.destination(2)),
    onState: (_peer, state) => {
      if (state === 'Established' && establishedAt === 0) {
        establishedAt = performance.now();
        out({ event: 'established', rss: process.memoryUsage().rss });
      }
    },
    onUpdate: (peer, update) => {
      if (firstAt === 0) firstAt = performance.now();
      rib.apply(peer, update);
      // Timed here, in the UPDATE that completes the table, not at the next progress tick.
      if (doneAt === 0 && rib.size() >= job.expect) doneAt = performance.now();
    },
    onPeerDown: (peer, reason) => {
      process.stderr.write(`peer ${peer} down: ${reason}\n`);
      rib.dropPeer(peer);
    },
  });
  const before = memory();
  const cpuBefore = process.cpuUsage();
  await speaker.start();
  out({ event: 'ready', ...before });

  let reported = false;
  const ticker = setInterval(() => {
    if (establishedAt === 0 || reported) return;
    if (doneAt === 0) {
      out({ event: 'progress', routes: rib.size(), ms: Math.round(performance.now() - establishedAt) });
      return;
    }
    reported = true;
    const cpu = process.cpuUsage(cpuBefore);
    const after = memory();
    out({
      event: 'done',
      routes: rib.size(),
      ms: +(doneAt - establishedAt).toFixed(1),
      firstMs: +(firstAt - establishedAt).toFixed(1),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      ...after,
      maxRss: process.resourceUsage().maxRSS * 1024,
      attrSets: rib.attrs.size,
    });
  }, 250);

  const stop = async () => {
    clearInterval(ticker);
    await Promise.race([speaker.stop(), new Promise((r) => setTimeout(r, 2000))]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
