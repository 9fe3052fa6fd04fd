// A real appliance on 127.0.0.1 holding one generated title, for the simulator's tests:
// sessions and fleets play against real byte ranges. stop() removes everything it made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContentStore,
  embeddedConfig,
  generateContent,
  type RunningAppliance,
  startAppliance,
} from '@ferry/appliance';
import type { CatalogTitle } from '@ferry/protocol';
import pino from 'pino';

export interface Edge {
  /** a temp dir for the test's own files too; removed by stop() */
  dir: string;
  app: RunningAppliance;
  title: CatalogTitle;
  stop(): Promise<void>;
}

export async function startEdge(seed: string): Promise<Edge> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sim-edge-'));
  const content = join(dir, 'content');
  const { catalog } = generateContent({ out: content, titles: 1, minutes: 0.3, seed });
  const title = catalog.titles[0]!;
  const storeDir = join(dir, 'store');
  const store = ContentStore.open([storeDir]);
  for (const s of title.streams) await store.add(join(content, s.streamId), s.streamId);
  store.close();
  const app = await startAppliance(embeddedConfig({ id: 'edge-1', stores: [storeDir] }), {
    logger: pino({ level: 'silent' }),
  });
  return {
    dir,
    app,
    title,
    async stop() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
