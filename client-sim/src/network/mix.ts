// A mix of access networks by share, e.g. `mobile:25,dsl:20,cable:35,fibre:20` (shares
// need not add up to 100: they are weights). The default mix puts about half the viewers
// on links that cannot carry the 16 Mb/s top rung, so a run shows a spread of bitrates,
// and the slow ones have little headroom when an appliance is slowed or killed.
import { FleetSetupError } from '../fleet/setup-error.js';
import { NETWORK_PRESETS, type NetworkPreset, presetNames } from './profiles.js';
import type { Uniform } from './random.js';

export interface MixEntry {
  preset: NetworkPreset;
  share: number;
}

export type NetworkMix = readonly MixEntry[];

export const DEFAULT_NETWORK_MIX_TEXT = 'mobile:25,dsl:20,cable:35,fibre:20';

const usage = (message: string) => new FleetSetupError('FERRY_ERR_SIM_USAGE', message);

export function parseNetworkMix(text: string): NetworkMix {
  const entries: MixEntry[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const [name, shareText, extra] = item.split(':');
    const preset = NETWORK_PRESETS[name!.trim()];
    if (!preset) {
      throw usage(`--networks: unknown network "${name}" (known: ${presetNames().join(', ')})`);
    }
    const share = shareText === undefined ? 1 : Number(shareText);
    if (extra !== undefined || !Number.isFinite(share) || share < 0) {
      throw usage(`--networks: "${item}" must be NAME:SHARE with SHARE a number >= 0`);
    }
    if (seen.has(preset.name)) throw usage(`--networks: "${preset.name}" is given twice`);
    seen.add(preset.name);
    entries.push({ preset, share });
  }
  if (entries.length === 0 || entries.every((e) => e.share === 0)) {
    throw usage(`--networks: no network with a share above 0 in "${text}"`);
  }
  return entries;
}

export const DEFAULT_NETWORK_MIX: NetworkMix = parseNetworkMix(DEFAULT_NETWORK_MIX_TEXT);

export function pickPreset(mix: NetworkMix, rand: Uniform): NetworkPreset {
  const total = mix.reduce((s, e) => s + e.share, 0);
  let x = rand() * total;
  for (const e of mix) {
    if (e.share <= 0) continue;
    x -= e.share;
    if (x < 0) return e.preset;
  }
  return mix.filter((e) => e.share > 0).at(-1)!.preset;
}
