// Interning of path attribute sets. A full table has ~1M prefixes but only a few hundred
// thousand distinct attribute sets (often far fewer from one upstream), so each distinct set
// is stored once, ref-counted by the prefixes that use it, and prefixes hold a small id.
import type { PathAttributes } from '../codec/types.js';

export interface InternedAttrs {
  readonly id: number;
  readonly attrs: PathAttributes;
  /** canonical text of the set, the interning key */
  readonly key: string;
  refs: number;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Canonical text of an attribute set: a fixed field order, so two decodes of the same bytes
 * (or the same attributes sent in two UPDATEs) give the same key.
 */
export function attrKey(a: PathAttributes): string {
  return JSON.stringify([
    a.origin ?? null,
    a.asPath ? a.asPath.map((s) => [s.type === 'set' ? 1 : 2, s.asns]) : null,
    a.nextHop ?? null,
    a.med ?? null,
    a.localPref ?? null,
    a.atomicAggregate ? 1 : 0,
    a.aggregator ? [a.aggregator.asn, a.aggregator.address] : null,
    a.communities ?? null,
    a.largeCommunities ?? null,
    a.mpNextHop ?? null,
    a.unknown ? a.unknown.map((u) => [u.flags, u.code, hex(u.value)]) : null,
  ]);
}

export class AttrTable {
  private readonly byKey = new Map<string, InternedAttrs>();
  private readonly byId: (InternedAttrs | undefined)[] = [];
  private readonly freeIds: number[] = [];

  /** The interned entry for `attrs` (created with refs 0 if new; callers ref it per prefix). */
  intern(attrs: PathAttributes): InternedAttrs {
    const key = attrKey(attrs);
    const found = this.byKey.get(key);
    if (found) return found;
    const id = this.freeIds.pop() ?? this.byId.length;
    const entry: InternedAttrs = { id, attrs, key, refs: 0 };
    this.byKey.set(key, entry);
    this.byId[id] = entry;
    return entry;
  }

  get(id: number): InternedAttrs {
    const e = this.byId[id];
    if (!e) throw new Error(`attribute set ${id} is not interned`);
    return e;
  }

  ref(id: number): void {
    this.get(id).refs++;
  }

  /** Drops one reference; the set is forgotten when no prefix uses it any more. */
  unref(id: number): void {
    const e = this.get(id);
    e.refs--;
    if (e.refs > 0) return;
    this.byKey.delete(e.key);
    this.byId[id] = undefined;
    this.freeIds.push(id);
  }

  /** Forgets a set created by intern() that no prefix ended up using (e.g. an UPDATE with no NLRI). */
  releaseIfUnused(entry: InternedAttrs): void {
    if (entry.refs === 0 && this.byId[entry.id] === entry) {
      this.byKey.delete(entry.key);
      this.byId[entry.id] = undefined;
      this.freeIds.push(entry.id);
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}
