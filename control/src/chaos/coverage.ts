// The coverage rule (docs/chaos.md "Safety"): with the targets and every appliance already
// under an experiment taken out, each client network a target heard must still reach a
// healthy, serving appliance for every file the target holds: one that heard the same prefix
// or a covering (shorter) one, or one in a fallback site. A target in a fallback site also
// serves clients no prefix covers: other fallback appliances must hold its files.
//
// A full table is hundreds of thousands of prefixes; the appliances that could stand in for
// one are usually the same few for all of them, so each distinct set is judged once, and the
// walk yields to the event loop between slices (control/src/slices.ts).
import type { ControlModel } from '../model/model.js';
import { SliceClock } from '../slices.js';

export interface CoverageInput {
  model: ControlModel;
  targets: readonly string[];
  /** the targets and every appliance under another experiment */
  out: ReadonlySet<string>;
  fallbackSites: readonly string[];
}

/** Why coverage fails, naming a prefix and a file; undefined when every client keeps a way. */
export async function coverageProblem(input: CoverageInput): Promise<string | undefined> {
  const { model, out } = input;
  const eligible = new Map<string, boolean>();
  const canServe = (id: string): boolean => {
    let ok = eligible.get(id);
    if (ok === undefined) {
      const rec = model.getAppliance(id);
      ok =
        !out.has(id) &&
        rec !== undefined &&
        rec.health === 'healthy' &&
        rec.reportedState === 'serving' &&
        !model.isDisabled(id);
      eligible.set(id, ok);
    }
    return ok;
  };
  const fallback = input.fallbackSites.flatMap((s) => [...model.idsInSite(s)]).filter(canServe);
  const fallbackSites = new Set(input.fallbackSites);
  const clock = new SliceClock();

  for (const target of input.targets) {
    const files = model.inventoryOf(target);
    if (files.size === 0) continue;
    const judged = new Map<string, string | undefined>();
    const missing = (standIns: readonly string[]): string | undefined => {
      const key = [...standIns].sort().join(' ');
      if (judged.has(key)) return judged.get(key);
      const holdings = standIns.map((id) => model.inventoryOf(id));
      let gap: string | undefined;
      for (const f of files) {
        if (!holdings.some((h) => h.has(f))) {
          gap = f;
          break;
        }
      }
      judged.set(key, gap);
      return gap;
    };
    const site = model.getAppliance(target)?.site;
    if (site !== undefined && fallbackSites.has(site)) {
      const gap = missing(fallback);
      if (gap) return `${target} serves clients no prefix covers (fallback site ${site}): ${noneHolds(gap)}`;
    }
    for (const prefix of model.routes.prefixesOf(target)) {
      const gap = missing([...standInsFor(model, prefix, canServe), ...fallback]);
      if (gap) return `clients in ${prefix} (heard by ${target}): ${noneHolds(gap)}`;
      if (clock.spent()) await clock.yield();
    }
  }
  return undefined;
}

function noneHolds(file: string): string {
  return `no healthy appliance outside the experiments that hears them holds ${file}`;
}

/** Appliances that heard `prefix` or a shorter prefix covering it and can serve. */
function standInsFor(model: ControlModel, prefix: string, canServe: (id: string) => boolean): string[] {
  const cut = prefix.indexOf('/');
  const bits = Number(prefix.slice(cut + 1));
  const ids = new Set<string>();
  // A canonical prefix has its host bits cleared: its own text names its first address.
  for (const m of model.routes.covering(prefix.slice(0, cut))) {
    if (Number(m.prefix.slice(m.prefix.indexOf('/') + 1)) > bits) continue;
    for (const id of m.applianceIds) if (canServe(id)) ids.add(id);
  }
  return [...ids];
}
