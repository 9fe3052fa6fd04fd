// Adj-RIB-In (RFC 4271 §3.2): the routes each peer sent us, unprocessed. Sized for a full
// table per peer (~1M IPv4 + ~250k IPv6) in little memory: per prefix only a Map entry with a
// small-integer or short-string key and a small-integer attribute id (see prefix-key.ts and
// attr-intern.ts); attribute sets are shared and ref-counted.

import { parseCidr } from '@ferry/protocol';
import { AFI_IPV4, AFI_IPV6, type Afi, type Prefix, type UpdateMessage } from '../codec/types.js';
import { AttrTable, type InternedAttrs } from './attr-intern.js';
import { v4FromBytes, v4Key, v6Key } from './prefix-key.js';
import { type ListOptions, type ListResult, listRoutes } from './rib-list.js';

/** One peer's routes: IPv4 in one map per prefix length (keys stay small integers), IPv6 in one map. */
export interface PeerTable {
  readonly peer: string;
  readonly v4: Map<number, number>[];
  readonly v6: Map<string, number>;
  count4: number;
  count6: number;
  /**
   * Keys of routes kept across the peer's restart and not yet re-announced (RFC 4724 §4.2),
   * per family, present only while the peer restarts: a full table is never copied otherwise.
   */
  stale4?: Set<number>[];
  stale6?: Set<string>;
}

/**
 * A change to one (prefix, peer) route, for listeners such as the route feed. `attrs` is
 * the new attribute set on announce and null on withdraw. The prefix stays in key form
 * (prefix-key.ts) so that listeners that only count or log pay no text conversion.
 */
export interface RibChange {
  readonly afi: Afi;
  readonly len: number;
  readonly key: number | string;
  readonly peer: string;
  readonly attrs: InternedAttrs | null;
}

export type RibListener = (change: RibChange) => void;

export interface ApplyResult {
  announced: number;
  withdrawn: number;
}

export class AdjRibIn {
  readonly attrs = new AttrTable();
  private readonly tables = new Map<string, PeerTable>();
  private readonly listeners = new Set<RibListener>();

  /** Calls `listener` for every route added, changed or removed; returns an unsubscribe function. */
  subscribe(listener: RibListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(peerKey: string, update: UpdateMessage): ApplyResult {
    const t = this.table(peerKey);
    let withdrawn = 0;
    let announced = 0;
    for (const p of update.withdrawn) if (this.remove(t, p)) withdrawn++;
    if (update.announced.length === 0) return { announced, withdrawn };
    // RFC 7606 §2: treat-as-withdraw removes the announced prefixes instead of installing them.
    if (update.treatAsWithdraw) {
      for (const p of update.announced) if (this.remove(t, p)) withdrawn++;
      return { announced, withdrawn };
    }
    const entry = this.attrs.intern(update.attributes);
    for (const p of update.announced) if (this.install(t, p, entry)) announced++;
    this.attrs.releaseIfUnused(entry);
    return { announced, withdrawn };
  }

  /** Removes every route of a peer (session down); returns how many were removed. */
  dropPeer(peerKey: string): number {
    const t = this.tables.get(peerKey);
    if (!t) return 0;
    this.tables.delete(peerKey);
    let n = 0;
    for (let len = 0; len <= 32; len++) {
      for (const [key, id] of t.v4[len]!) {
        this.attrs.unref(id);
        if (this.listeners.size > 0) this.emit({ afi: AFI_IPV4, len, key, peer: peerKey, attrs: null });
        n++;
      }
    }
    for (const [key, id] of t.v6) {
      this.attrs.unref(id);
      if (this.listeners.size > 0)
        this.emit({ afi: AFI_IPV6, len: key.charCodeAt(0), key, peer: peerKey, attrs: null });
      n++;
    }
    return n;
  }

  /**
   * Marks every route of the peer in these families stale (its session went down and it
   * restarts gracefully). Already stale ones stay stale; returns the stale count after.
   */
  markStale(peerKey: string, afis: readonly Afi[]): number {
    const t = this.tables.get(peerKey);
    if (!t) return 0;
    if (afis.includes(AFI_IPV4)) {
      t.stale4 = t.v4.map((m) => new Set(m.keys()));
    }
    if (afis.includes(AFI_IPV6)) t.stale6 = new Set(t.v6.keys());
    return this.staleCount(peerKey);
  }

  /**
   * Removes the peer's routes still stale in the families (all when omitted): End-of-RIB,
   * restart timer or stale cap. Returns how many were removed.
   */
  sweepStale(peerKey: string, afis: readonly Afi[] = [AFI_IPV4, AFI_IPV6]): number {
    const t = this.tables.get(peerKey);
    if (!t) return 0;
    let n = 0;
    if (afis.includes(AFI_IPV4) && t.stale4) {
      const sets = t.stale4;
      t.stale4 = undefined;
      for (let len = 0; len <= 32; len++) {
        for (const key of sets[len]!) if (this.removeKey(t, AFI_IPV4, len, key)) n++;
      }
    }
    if (afis.includes(AFI_IPV6) && t.stale6) {
      const set = t.stale6;
      t.stale6 = undefined;
      for (const key of set) if (this.removeKey(t, AFI_IPV6, key.charCodeAt(0), key)) n++;
    }
    if (t.count4 + t.count6 === 0 && !t.stale4 && !t.stale6) this.tables.delete(peerKey);
    return n;
  }

  /** Stale routes held, of one peer or all, in one family or both. */
  staleCount(peerKey?: string, afi?: Afi): number {
    let n = 0;
    const tables = peerKey === undefined ? [...this.tables.values()] : [this.tables.get(peerKey)];
    for (const t of tables) {
      if (!t) continue;
      if (afi !== AFI_IPV6 && t.stale4) for (const s of t.stale4) n += s.size;
      if (afi !== AFI_IPV4 && t.stale6) n += t.stale6.size;
    }
    return n;
  }

  /** True when the route (as key, prefix-key.ts) is kept stale from a restarting peer. */
  isStale(peerKey: string, afi: Afi, len: number, key: number | string): boolean {
    const t = this.tables.get(peerKey);
    if (!t) return false;
    if (afi === AFI_IPV4) return t.stale4?.[len]?.has(key as number) ?? false;
    return t.stale6?.has(key as string) ?? false;
  }

  /** Routes one peer holds in one family (the max-prefix count). */
  peerCount(peerKey: string, afi: Afi): number {
    const t = this.tables.get(peerKey);
    if (!t) return 0;
    return afi === AFI_IPV4 ? t.count4 : t.count6;
  }

  /** Routes held (a prefix heard from two peers counts twice). */
  size(afi?: Afi): number {
    let n = 0;
    for (const t of this.tables.values()) {
      if (afi !== AFI_IPV6) n += t.count4;
      if (afi !== AFI_IPV4) n += t.count6;
    }
    return n;
  }

  peers(): string[] {
    return [...this.tables.keys()];
  }

  /**
   * True when any peer announces exactly this prefix (`10.0.0.0/8`, `2001:db8::/32`). The
   * heartbeat asks before telling control a prefix is withdrawn: control keeps one set of
   * prefixes per appliance, not one per peer. Malformed text is held by no one.
   */
  holds(prefix: string): boolean {
    const p = parseCidr(prefix);
    if (!p) return false;
    if (p.bytes.length === 4) {
      const key = v4Key(v4FromBytes(p.bytes), p.bits);
      for (const t of this.tables.values()) if (t.v4[p.bits]!.has(key)) return true;
      return false;
    }
    const key = v6Key(p.bytes, p.bits);
    for (const t of this.tables.values()) if (t.v6.has(key)) return true;
    return false;
  }

  peerTables(): IterableIterator<PeerTable> {
    return this.tables.values();
  }

  list(opts: ListOptions): ListResult {
    return listRoutes(this, opts);
  }

  private table(peerKey: string): PeerTable {
    let t = this.tables.get(peerKey);
    if (!t) {
      const v4: Map<number, number>[] = [];
      for (let len = 0; len <= 32; len++) v4.push(new Map());
      t = { peer: peerKey, v4, v6: new Map(), count4: 0, count6: 0 };
      this.tables.set(peerKey, t);
    }
    return t;
  }

  private install(t: PeerTable, p: Prefix, entry: InternedAttrs): boolean {
    const { key, map } = locate(t, p);
    // Re-announced after a restart: fresh again, whether or not its attributes changed.
    unmarkStale(t, p.afi, p.length, key);
    const old = map.get(key as never) as number | undefined;
    if (old === entry.id) return false;
    entry.refs++;
    (map as Map<number | string, number>).set(key, entry.id);
    if (old === undefined) {
      if (p.afi === AFI_IPV4) t.count4++;
      else t.count6++;
    } else {
      this.attrs.unref(old);
    }
    if (this.listeners.size > 0) this.emit({ afi: p.afi, len: p.length, key, peer: t.peer, attrs: entry });
    return true;
  }

  private remove(t: PeerTable, p: Prefix): boolean {
    const { key } = locate(t, p);
    return this.removeKey(t, p.afi, p.length, key);
  }

  private removeKey(t: PeerTable, afi: Afi, len: number, key: number | string): boolean {
    const map = (afi === AFI_IPV4 ? t.v4[len]! : t.v6) as Map<number | string, number>;
    const old = map.get(key);
    unmarkStale(t, afi, len, key);
    if (old === undefined) return false;
    map.delete(key);
    if (afi === AFI_IPV4) t.count4--;
    else t.count6--;
    this.attrs.unref(old);
    if (this.listeners.size > 0) this.emit({ afi, len, key, peer: t.peer, attrs: null });
    return true;
  }

  private emit(change: RibChange): void {
    for (const l of this.listeners) l(change);
  }
}

function unmarkStale(t: PeerTable, afi: Afi, len: number, key: number | string): void {
  if (afi === AFI_IPV4) t.stale4?.[len]?.delete(key as number);
  else t.stale6?.delete(key as string);
}

function locate(
  t: PeerTable,
  p: Prefix,
): { key: number | string; map: Map<number, number> | Map<string, number> } {
  if (p.afi === AFI_IPV4) {
    const len = p.length;
    if (len < 0 || len > 32) throw new RangeError(`IPv4 prefix length ${len}`);
    return { key: v4Key(v4FromBytes(p.bytes), len), map: t.v4[len]! };
  }
  if (p.length < 0 || p.length > 128) throw new RangeError(`IPv6 prefix length ${p.length}`);
  return { key: v6Key(p.bytes, p.length), map: t.v6 };
}
