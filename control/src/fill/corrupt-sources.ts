// Sources that sent bytes whose sha256 did not match (FillReport.corrupt): each is left out of
// that one file's sources for a while, then tried again (a disk error on a peer heals when the
// peer refetches the file; a bad object at the origin is the operator's to fix).
import { setBounded } from '@ferry/protocol';

/** Enough for every file of a large catalog on a few bad peers; beyond it the oldest go first. */
const MAX_ENTRIES = 100_000;

export class CorruptSources {
  private readonly until = new Map<string, number>();

  constructor(private readonly excludeMs: number) {}

  note(fileId: string, applianceId: string, nowMs: number): void {
    setBounded(this.until, keyOf(fileId, applianceId), nowMs + this.excludeMs, MAX_ENTRIES);
  }

  excluded(fileId: string, applianceId: string, nowMs: number): boolean {
    const key = keyOf(fileId, applianceId);
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > nowMs) return true;
    this.until.delete(key);
    return false;
  }
}

function keyOf(fileId: string, applianceId: string): string {
  return `${fileId}\0${applianceId}`;
}
