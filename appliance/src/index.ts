// @ferry/appliance: the edge server. What other packages may use, and nothing else:
// the process entry points behind `ferry appliance|announce|content`, an embeddable
// appliance, the content store, the synthetic-content generator, and the BGP speaker with
// its Adj-RIB-In and codec types (the BGP benchmark drives them directly).
export { type RunningAppliance, type StartOptions, startAppliance, VERSION } from './app.js';
export { type AnnounceFlags, runAnnounce } from './bgp/announce-cli.js';
export { AdjRibIn, type PeerTable, type RibChange } from './bgp/rib.js';
export { BgpSpeaker, type PeerStatus, type SpeakerOptions } from './bgp/speaker.js';
export {
  AFI_IPV4,
  AFI_IPV6,
  type Afi,
  MessageType,
  type PathAttributes,
  type Prefix,
} from './bgp/types.js';
export { runAppliance } from './cli.js';
export { type ApplianceConfig, type ApplianceFlags, embeddedConfig } from './config.js';
export { runContentAdd, runContentGenerate } from './content/cli.js';
export { type GenerateOptions, type GenerateResult, generateContent } from './content/generate.js';
export {
  createIdentityKey,
  type IdentityKey,
  loadIdentityKey,
  runIdentityKeygen,
} from './identity/identity-key.js';
export { ContentStore } from './store/store.js';
