// @ferry/appliance: the edge server. What other packages may use, and nothing else:
// the process entry points behind `ferry appliance|announce|content`, an embeddable
// appliance (and its fill settings), the content store, the synthetic and real-media
// generators (with the fragmented-MP4 reader),
// and the BGP speaker with its Adj-RIB-In and codec types (the BGP benchmark drives them
// directly). Every error catalogue is exported too, so importing the package registers them
// all (a docs check lists them with allCatalogues()).
export { type RunningAppliance, type StartOptions, startAppliance, VERSION } from './app.js';
export { type AnnounceFlags, runAnnounce } from './bgp/announce/announce-cli.js';
export {
  AFI_IPV4,
  AFI_IPV6,
  type Afi,
  MessageType,
  type PathAttributes,
  type Prefix,
} from './bgp/codec/types.js';
export { BgpErrors } from './bgp/errors.js';
export { AdjRibIn, type PeerTable, type RibChange } from './bgp/rib/rib.js';
export { BgpSpeaker, type PeerStatus, type SpeakerOptions } from './bgp/session/speaker.js';
export { runAppliance } from './cli.js';
export { type ApplianceConfig, type ApplianceFlags, DEFAULT_ADMIN_PORT, embeddedConfig } from './config.js';
export { ConfigErrors, Errors as HttpErrors, MediaErrors } from './errors.js';
export type { FillSettings, OriginSettings } from './fill/settings.js';
export {
  createIdentityKey,
  type IdentityKey,
  loadIdentityKey,
  runIdentityKeygen,
} from './identity/identity-key.js';
export { type Box, Mp4Error, walkBoxes } from './media/boxes.js';
export { runMediaGenerate } from './media/cli.js';
export { type Fragment, type FragmentedMp4, readFragmentedMp4 } from './media/fmp4.js';
export { generateMediaContent, type MediaGenerateOptions } from './media/generate.js';
export { MEDIA_FPS, MEDIA_LADDER, MEDIA_SEGMENT_SECONDS, type MediaRung } from './media/ladder.js';
export { SendfileErrors } from './sendfile/errors.js';
export { StoreErrors } from './store/errors.js';
export { ContentStore } from './store/store.js';
export { runContentAdd, runContentGenerate } from './synthetic/cli.js';
export { type GenerateOptions, type GenerateResult, generateContent } from './synthetic/generate.js';
export { TURNUP_FIXES } from './turnup/fixes.js';
