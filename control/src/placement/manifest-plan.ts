// One appliance's manifest before its URLs are signed: the files it should hold with their
// ranked sources, and the files it may drop. Pure; the fleet is handed in as it stands.
//
// Sources, best first: serving appliances of its own site that hold the file, least loaded
// first; then serving appliances of its parent site that hold it; then the origin. A source
// that sent corrupt bytes for a file is left out for that file for a while.
//
// One origin read per site: while no serving appliance of the site holds a file, only its
// seed (the first of the appliances placement gave it to, in rendezvous order, that serves
// and whose fill window is open) is told to fetch it. The others get it in their manifest
// once the seed holds it, with the seed as their first source.
//
// Make before break: a file the appliance holds but is no longer given is listed in `drop`
// only once enough of the appliances that are given it hold it (`minCopies`, or all of them
// if fewer), or when no appliance of the site is given it at all. Until then it stays, and
// serves as a peer source for its new holders.

export interface FleetMember {
  readonly id: string;
  /** base URL of its data plane (its heartbeat's url) */
  readonly url: string;
  /** healthy or degraded, enrolled and not disabled: it can serve a fill */
  readonly serving: boolean;
  /** load / capacity, 0 when unknown */
  readonly loadShare: number;
  /** its fill window as it last reported; undefined: unknown */
  readonly windowOpen?: boolean;
  holds(fileId: string): boolean;
}

export interface PlanFile {
  readonly id: string;
  readonly size: number;
  readonly sha256: string;
}

export type PlannedSource =
  | { readonly kind: 'peer' | 'parent'; readonly applianceId: string; readonly baseUrl: string }
  | { readonly kind: 'origin'; readonly key: string };

export interface PlannedFile extends PlanFile {
  readonly sources: readonly PlannedSource[];
}

export interface PlanInput {
  readonly applianceId: string;
  /** the files placement gives it, most popular first */
  readonly wanted: readonly PlanFile[];
  /** what it holds (its inventory) */
  readonly held: Iterable<string>;
  /** every appliance of its site, itself included */
  readonly site: readonly FleetMember[];
  /** every appliance of its parent site */
  readonly parents: readonly FleetMember[];
  /** the appliances of its site placement gives `fileId` to, in rendezvous order */
  wantersOf(fileId: string): readonly string[];
  /** true while `applianceId` is left out as a source of `fileId` (it sent corrupt bytes) */
  excluded(fileId: string, applianceId: string): boolean;
  readonly minCopies: number;
  originKey(fileId: string): string;
  readonly maxPeers: number;
  readonly maxParents: number;
}

export interface ManifestPlan {
  readonly files: PlannedFile[];
  /** files waiting for their seed to fetch them (one origin read per site) */
  readonly deferred: string[];
  readonly drop: string[];
}

export function planManifest(input: PlanInput): ManifestPlan {
  const members = new Map(input.site.map((m) => [m.id, m]));
  const files: PlannedFile[] = [];
  const deferred: string[] = [];
  const wantedIds = new Set<string>();
  for (const file of input.wanted) {
    wantedIds.add(file.id);
    const holders = input.site.filter((m) => m.id !== input.applianceId && m.serving && m.holds(file.id));
    const self = members.get(input.applianceId);
    if (holders.length === 0 && !self?.holds(file.id)) {
      const seed = seedOf(input.wantersOf(file.id), members);
      if (seed !== undefined && seed !== input.applianceId) {
        deferred.push(file.id);
        continue;
      }
    }
    files.push({ ...file, sources: sourcesOf(file.id, holders, input) });
  }
  const drop: string[] = [];
  for (const fileId of input.held) {
    if (wantedIds.has(fileId)) continue;
    const wanters = input.wantersOf(fileId).filter((id) => id !== input.applianceId);
    const live = wanters.filter((id) => {
      const m = members.get(id);
      return m?.serving === true && m.holds(fileId);
    }).length;
    if (wanters.length === 0 || live >= Math.min(input.minCopies, wanters.length)) drop.push(fileId);
  }
  return { files, deferred, drop: drop.sort() };
}

/** The wanter that fetches a file no one in the site holds yet. */
export function seedOf(
  wanters: readonly string[],
  members: ReadonlyMap<string, FleetMember>,
): string | undefined {
  const serving = wanters.filter((id) => members.get(id)?.serving === true);
  return serving.find((id) => members.get(id)?.windowOpen !== false) ?? serving[0] ?? wanters[0];
}

function sourcesOf(fileId: string, holders: readonly FleetMember[], input: PlanInput): PlannedSource[] {
  const usable = (m: FleetMember) => !input.excluded(fileId, m.id);
  const peers = byLoad(holders.filter(usable)).slice(0, input.maxPeers);
  const parents = byLoad(input.parents.filter((m) => m.serving && m.holds(fileId) && usable(m))).slice(
    0,
    input.maxParents,
  );
  return [
    ...peers.map((m) => ({ kind: 'peer' as const, applianceId: m.id, baseUrl: m.url })),
    ...parents.map((m) => ({ kind: 'parent' as const, applianceId: m.id, baseUrl: m.url })),
    { kind: 'origin' as const, key: input.originKey(fileId) },
  ];
}

function byLoad(members: readonly FleetMember[]): FleetMember[] {
  return [...members].sort((a, b) => a.loadShare - b.loadShare || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
