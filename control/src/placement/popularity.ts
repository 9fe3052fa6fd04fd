// Popularity per site and file: bytes served there, decayed exponentially with a half-life,
// so what viewers watched an hour ago counts half as much as what they watch now. Pure but
// for the clock it is handed.
//
// Values are kept on a rising scale instead of decaying every entry on every tick: a sample
// of b bytes at time t is stored as b · 2^((t − t0) / halfLife). Every stored value shares the
// same decay factor at any instant, so comparisons and ratios (all placement reads) need no
// decay at all, and `value()` divides it out. The scale is moved back to a new t0 long before
// a double could overflow (2^1023).

const RESCALE_AFTER_HALF_LIVES = 256;

export class Popularity {
  private readonly bySite = new Map<string, Map<string, number>>();
  /** one value per file, every site: the catalog's initial popularity */
  private readonly base = new Map<string, number>();
  private t0: number;

  constructor(
    private readonly halfLifeMs: number,
    startMs: number,
  ) {
    this.t0 = startMs;
  }

  /** `bytes` served (or wanted, on a content miss) of `fileId` in `site` at `nowMs`. */
  add(site: string, fileId: string, bytes: number, nowMs: number): void {
    if (!(bytes > 0) || !Number.isFinite(bytes)) return;
    let files = this.bySite.get(site);
    if (!files) {
      files = new Map();
      this.bySite.set(site, files);
    }
    files.set(fileId, (files.get(fileId) ?? 0) + this.scaled(bytes, nowMs));
  }

  /** The catalog's initial popularity of `fileId`, counted in every site from `nowMs` on. */
  setBase(fileId: string, bytes: number, nowMs: number): void {
    if (bytes > 0 && Number.isFinite(bytes)) this.base.set(fileId, this.scaled(bytes, nowMs));
    else this.base.delete(fileId);
  }

  /** Files no longer in the catalog are forgotten. */
  retain(fileIds: ReadonlySet<string>): void {
    for (const files of this.bySite.values())
      for (const f of files.keys()) if (!fileIds.has(f)) files.delete(f);
    for (const f of this.base.keys()) if (!fileIds.has(f)) this.base.delete(f);
  }

  /**
   * Every site's popularity on one common scale (undecayed: compare and divide, do not read
   * as bytes), for placement.
   */
  snapshot(): { sites: ReadonlyMap<string, ReadonlyMap<string, number>>; base: ReadonlyMap<string, number> } {
    const sites = new Map<string, ReadonlyMap<string, number>>();
    for (const [site, files] of this.bySite) sites.set(site, new Map(files));
    return { sites, base: new Map(this.base) };
  }

  /** Decayed bytes of `fileId` in `site` at `nowMs` (base included): for views and tests. */
  value(site: string, fileId: string, nowMs: number): number {
    const raw = (this.bySite.get(site)?.get(fileId) ?? 0) + (this.base.get(fileId) ?? 0);
    return raw * 2 ** (-(nowMs - this.t0) / this.halfLifeMs);
  }

  private scaled(bytes: number, nowMs: number): number {
    let halfLives = (nowMs - this.t0) / this.halfLifeMs;
    if (halfLives > RESCALE_AFTER_HALF_LIVES) {
      this.rescale(nowMs);
      halfLives = 0;
    }
    return bytes * 2 ** halfLives;
  }

  private rescale(nowMs: number): void {
    const factor = 2 ** (-(nowMs - this.t0) / this.halfLifeMs);
    for (const files of this.bySite.values()) for (const [f, v] of files) files.set(f, v * factor);
    for (const [f, v] of this.base) this.base.set(f, v * factor);
    this.t0 = nowMs;
  }
}
