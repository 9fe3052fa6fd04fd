// The heartbeat's routes report over a real RIB and feed: each route carries the attributes
// steering ranks on, and a delta tells control the appliance's best route across its peers
// for every prefix it touches (a worse announcement or a withdrawal from one peer must not
// replace the better route another peer still gives).
import { describe, expect, it } from 'vitest';
import { routesSince, routesSnapshot } from '../src/agent/route-report.js';
import { AFI_IPV4, MessageType, type PathAttributes, type Prefix } from '../src/bgp/codec/types.js';
import { RouteFeed } from '../src/bgp/report/feed.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';

const P: Prefix = { afi: AFI_IPV4, length: 16, bytes: Uint8Array.from([10, 0]) };

function attrs(localPref: number, asns: number[], med?: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 'sequence', asns }],
    nextHop: '192.0.2.1',
    localPref,
    ...(med === undefined ? {} : { med }),
  };
}

function announce(rib: AdjRibIn, peer: string, a: PathAttributes): void {
  rib.apply(peer, { type: MessageType.UPDATE, withdrawn: [], announced: [P], attributes: a });
}

describe('routes report', () => {
  it('carries local-pref, MED and origin per route', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    announce(rib, 'a', attrs(200, [65001, 65002], 7));
    expect(routesSnapshot({ feed, rib }).routes).toEqual([
      { prefix: '10.0.0.0/16', peer: 'a', asPath: [65001, 65002], localPref: 200, med: 7, origin: 'igp' },
    ]);
  });

  it("reports a prefix's best route across peers in a delta, and withdraws it only when no peer holds it", () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    announce(rib, 'a', attrs(200, [65001]));
    const v1 = feed.version;
    // b announces a worse route: control must still hear a's.
    announce(rib, 'b', attrs(100, [65009, 65010]));
    let d = routesSince({ feed, rib }, feed.epoch, v1);
    expect(d?.announced).toEqual([
      { prefix: '10.0.0.0/16', peer: 'a', asPath: [65001], localPref: 200, origin: 'igp' },
    ]);
    expect(d?.withdrawn).toEqual([]);
    // a withdraws: b's route is now the best, sent as an announcement, not a withdrawal.
    const v2 = feed.version;
    rib.apply('a', { type: MessageType.UPDATE, withdrawn: [P], announced: [], attributes: {} });
    d = routesSince({ feed, rib }, feed.epoch, v2);
    expect(d?.announced.map((r) => [r.peer, r.localPref])).toEqual([['b', 100]]);
    expect(d?.withdrawn).toEqual([]);
    const v3 = feed.version;
    rib.apply('b', { type: MessageType.UPDATE, withdrawn: [P], announced: [], attributes: {} });
    d = routesSince({ feed, rib }, feed.epoch, v3);
    expect(d).toMatchObject({ announced: [], withdrawn: ['10.0.0.0/16'] });
  });
});
