// What the dashboard's handlers need beside control's own context.
import type { SigningKeys } from '../keys/signing-keys.js';
import type { UiLive } from './live.js';
import type { UiSessions } from './sessions.js';
import type { StaticFile } from './static-files.js';
import type { SteeringSamples } from './steering-samples.js';

export interface UiContext {
  sessions: UiSessions;
  live: UiLive;
  samples: SteeringSamples;
  files: ReadonlyMap<string, StaticFile>;
  signingKeys?: SigningKeys;
}
