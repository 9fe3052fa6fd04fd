// The turn-up checks of one appliance, wired to what they look at: the store, the token
// keys, the control agent and its replies, the BGP speaker and the viewer port. Used by a
// single process (app.ts) and by the primary of --workers N (cluster/services.ts).
import type { HeartbeatReply, HeldKey, TurnupCheck } from '@ferry/protocol';
import type { ControlAgent } from '../agent/agent.js';
import type { BgpPart } from '../bgp/appliance-bgp.js';
import type { ApplianceConfig } from '../config.js';
import type { TokenKeys } from '../keys/token-keys.js';
import type { Logger } from '../ops/logger.js';
import type { ContentStore } from '../store/store.js';
import { bgpCheck, controlCheck, disksCheck, keysCheck, storeIndexCheck, testRangeCheck } from './checks.js';
import { diskFacts, indexFact, signVerify, testRangeFact } from './facts.js';
import { TurnupRunner } from './runner.js';

export interface TurnupInput {
  config: ApplianceConfig;
  store: ContentStore;
  keys?: TokenKeys;
  bgp?: BgpPart;
  /** the viewers' URL, once listening */
  viewerUrl(): string | undefined;
  agent(): ControlAgent | undefined;
  /** serving viewers now: a draining appliance answers 503, so its test range is not re-run */
  serving(): boolean;
  logger: Logger;
  fastMs?: number;
}

export interface TurnupPart {
  runner: TurnupRunner;
  /** every good heartbeat reply: control's signing key, and the first one proves control */
  noteReply(reply: HeartbeatReply): void;
}

export function startTurnup(input: TurnupInput): TurnupPart {
  const { config, store, keys, bgp } = input;
  /** control's signing key: undefined before its first reply, null when it signs nothing */
  let controlKey: HeldKey | null | undefined;
  let runner: TurnupRunner;

  const testRange = async (nowSec: number): Promise<TurnupCheck> => {
    const url = input.viewerUrl();
    const prev = runner.last()?.checks.find((c) => c.name === 'test-range');
    if (!input.serving()) {
      if (prev?.ok)
        return {
          ...prev,
          detail: `${prev.detail.replace(/ \(kept while draining\)$/, '')} (kept while draining)`,
        };
      return { name: 'test-range', ok: false, detail: 'draining: not tested (viewers get 503)' };
    }
    if (!url) return { name: 'test-range', ok: false, detail: 'the viewer port is not listening yet' };
    return testRangeCheck(await testRangeFact({ store, viewerUrl: url, ring: keys?.current, nowSec }));
  };

  const run = async (): Promise<TurnupCheck[]> => {
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    const agent = input.agent();
    const status = agent?.status();
    const ring = keys?.current;
    return [
      disksCheck(await diskFacts(config.stores)),
      storeIndexCheck(indexFact(store)),
      keysCheck({
        open: config.open,
        ...(ring ? { keyId: ring.signing.keyId } : {}),
        ...(ring ? { signVerifyError: signVerify(ring, nowSec) } : {}),
        held: keys?.heldKeys ?? [],
        controlConfigured: config.control !== undefined,
        controlKey,
      }),
      controlCheck(
        {
          configured: config.control !== undefined,
          lastSuccessMs: status?.lastSuccessMs ?? null,
          lastError: status?.lastError ?? null,
          isolated: status?.isolated ?? false,
        },
        now,
      ),
      bgpCheck({
        configured: bgp !== undefined,
        sessions: bgp ? bgp.speaker.status().map((s) => ({ address: s.address, state: s.state })) : [],
        routes: bgp ? bgp.rib.size() : 0,
      }),
      await testRange(nowSec),
    ];
  };

  runner = new TurnupRunner({ run, logger: input.logger, ...(input.fastMs ? { fastMs: input.fastMs } : {}) });
  return {
    runner,
    noteReply(reply) {
      const next = reply.signingKey ?? null;
      const changed =
        controlKey === undefined ||
        (controlKey === null) !== (next === null) ||
        (controlKey !== null &&
          next !== null &&
          (controlKey.id !== next.id || controlKey.fingerprint !== next.fingerprint));
      controlKey = next;
      if (changed) runner.poke();
    },
  };
}
