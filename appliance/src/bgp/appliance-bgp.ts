// BGP inside the appliance: the speaker (listen-only), its Adj-RIB-In, the versioned route
// feed for control, metrics and the /v1/routes handler, wired together in one place.
import type { Registry } from 'prom-client';
import type { Logger } from '../ops/logger.js';
import { RouteFeed } from './report/feed.js';
import { registerBgpMetrics } from './report/metrics.js';
import { routesResponse } from './report/routes-api.js';
import { AdjRibIn } from './rib/rib.js';
import type { BgpSettings } from './session/neighbors.js';
import { BgpSpeaker } from './session/speaker.js';
import { checkMd5Available } from './session/tcp-md5.js';

export interface BgpPart {
  speaker: BgpSpeaker;
  rib: AdjRibIn;
  feed: RouteFeed;
  routes(query: URLSearchParams): { status: number; body: unknown };
  stop(): Promise<void>;
}

/** Builds the BGP part; the caller starts the speaker once the HTTP side is up. */
export function startBgp(settings: BgpSettings, opts: { logger: Logger; registry: Registry }): BgpPart {
  // A password that cannot be honoured stops the start here, before anything serves.
  if (settings.neighbors.some((n) => n.password !== undefined)) checkMd5Available();
  const logger = opts.logger.child({ part: 'bgp' });
  const rib = new AdjRibIn();
  const feed = new RouteFeed(rib);
  let speaker: BgpSpeaker | undefined;
  const counters = registerBgpMetrics(opts.registry, { rib, sessions: () => speaker?.status() ?? [] });
  // Flow 3: a session that drops withdraws that peer's routes (the speaker does it on `rib`),
  // unless the peer restarts gracefully (RFC 4724): then they stay, stale, until it is back.
  speaker = new BgpSpeaker({
    ...settings,
    logger,
    rib,
    onUpdate: (peer, update) => counters.onUpdate(peer, update),
    onRefused: (refusal) => counters.onRefused(refusal.kind),
    onEndOfRib: (peer, afi) => counters.onEndOfRib(peer, afi),
    onMaxPrefix: (peer, what, afi) => counters.onMaxPrefix(peer, what, afi),
  });
  const s = speaker;
  return {
    speaker: s,
    rib,
    feed,
    routes: (query) => routesResponse(rib, query),
    async stop() {
      await s.stop();
      feed.close();
    },
  };
}
