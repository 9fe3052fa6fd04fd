// Fill's parts of one appliance, put together: the sources (peers, parents, the origin),
// the filler, and the manifest poller that feeds it from control. Started by app.ts when
// `--fill on`; what it reports goes into heartbeats (Reported<FillReport>) and /v1/status.
import type { KeyObject } from 'node:crypto';
import type { FillReport } from '@ferry/protocol';
import type { Reported } from '../agent/heartbeat.js';
import { ManifestPoller } from '../agent/manifest-poller.js';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { ContentStore } from '../store/store.js';
import { Filler } from './filler.js';
import { FillSources } from './open-source.js';
import { describeOrigin, type FillSettings } from './settings.js';
import { formatFillWindow } from './window.js';

export interface FillPart {
  readonly filler: Filler;
  readonly report: Reported<FillReport>;
  bytesToGo(): number;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface StartFillInput {
  settings: FillSettings;
  controlUrl: string;
  applianceId: string;
  identityKey: KeyObject;
  store: ContentStore;
  inFlight(id: string): number;
  metrics: ApplianceMetrics;
  logger: Logger;
  /** the viewers' listen address when it is one address (not a wildcard): fill connects from it */
  localAddress?: string;
}

export function startFill(input: StartFillInput): FillPart {
  const { settings } = input;
  const sources = new FillSources({
    origin: settings.origin,
    headersTimeoutMs: settings.stallTimeoutMs,
    ...(input.localAddress ? { localAddress: input.localAddress } : {}),
  });
  let poller: ManifestPoller | undefined;
  const filler = new Filler({
    settings,
    store: input.store,
    sources,
    inFlight: input.inFlight,
    metrics: input.metrics,
    logger: input.logger,
    refreshManifest: () => poller?.refreshNow(),
  });
  poller = new ManifestPoller({
    controlUrl: input.controlUrl,
    applianceId: input.applianceId,
    identityKey: input.identityKey,
    intervalMs: settings.manifestIntervalMs,
    logger: input.logger,
    onManifest: (m) => filler.setManifest(m),
  });
  filler.start();
  poller.start();
  if (!settings.origin)
    input.logger.warn('fill: no --origin configured: files come from peers and parents only');
  return {
    filler,
    report: { take: () => filler.take(), restore: (r) => filler.restore(r) },
    bytesToGo: () => filler.bytesToGo(),
    status: () => ({
      mode: 'on',
      origin: describeOrigin(settings.origin),
      windowSpec: formatFillWindow(settings.window),
      ...filler.status(),
      manifest: poller.status(),
    }),
    async stop() {
      await poller.stop();
      await filler.stop();
      await sources.close();
    },
  };
}
