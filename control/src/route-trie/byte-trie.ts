// A path-compressed binary (PATRICIA) trie over fixed-width keys: 4 bytes for IPv4, 16 for
// IPv6. Nodes live in parallel typed arrays indexed by node number instead of one object per
// node, so a full table (about 1M prefixes, at most 2 nodes per prefix) costs a few tens of
// bytes per prefix and gives the garbage collector almost nothing to trace. A prefix's first
// value sits in a plain slot; only prefixes heard by several appliances get an overflow array.

const NONE = -1;
const INITIAL_NODES = 1024;
const MANY = 2;

export interface TrieMatch<T> {
  readonly bytes: Uint8Array;
  readonly bits: number;
  /** A fresh copy: callers may keep or change it. */
  readonly values: T[];
}

export class ByteTrie<T> {
  private readonly width: number;
  private capacity = INITIAL_NODES;
  private keys: Uint8Array;
  private bitLen: Uint8Array;
  private child0: Int32Array;
  private child1: Int32Array;
  /** Values per node: 0, 1 (in `single`), or MANY (the whole list in `many`). */
  private held: Uint8Array;
  private readonly single: (T | undefined)[] = [];
  private readonly many = new Map<number, T[]>();
  private readonly free: number[] = [];
  private next = 0;
  private root = NONE;
  /** Prefixes holding at least one value. */
  prefixes = 0;

  constructor(widthBytes: number) {
    this.width = widthBytes;
    this.keys = new Uint8Array(INITIAL_NODES * widthBytes);
    this.bitLen = new Uint8Array(INITIAL_NODES);
    this.child0 = new Int32Array(INITIAL_NODES).fill(NONE);
    this.child1 = new Int32Array(INITIAL_NODES).fill(NONE);
    this.held = new Uint8Array(INITIAL_NODES);
  }

  /** Adds `value` under the prefix `key`/`bits` (`key` has its host bits cleared). */
  insert(key: Uint8Array, bits: number, value: T): void {
    const node = this.findOrCreate(key, bits);
    const held = this.held[node]!;
    if (held === 0) this.prefixes++;
    if (held === MANY) this.many.get(node)!.push(value);
    else this.setValues(node, held === 0 ? [value] : [this.single[node] as T, value]);
  }

  /** Removes the values under the exact prefix that `match` accepts (all when omitted). */
  remove(key: Uint8Array, bits: number, match?: (v: T) => boolean): number {
    const path: number[] = [];
    let node = this.root;
    while (node !== NONE) {
      const len = this.bitLen[node]!;
      if (len > bits || this.common(key, node, len) < len) return 0;
      path.push(node);
      if (len === bits) break;
      node = this.childAt(node, bitAt(key, 0, len));
    }
    if (node === NONE || this.held[node] === 0) return 0;
    const list = this.valuesOf(node);
    const kept = match ? list.filter((v) => !match(v)) : [];
    const removed = list.length - kept.length;
    this.setValues(node, kept);
    if (kept.length > 0) return removed;
    this.prefixes--;
    this.prune(path);
    return removed;
  }

  /** Every value-bearing prefix covering the address, least specific first. */
  walk(addr: Uint8Array): TrieMatch<T>[] {
    const out: TrieMatch<T>[] = [];
    const total = this.width * 8;
    let node = this.root;
    while (node !== NONE) {
      const len = this.bitLen[node]!;
      if (this.common(addr, node, len) < len) break;
      if (this.held[node]! > 0) out.push({ bytes: this.keyOf(node), bits: len, values: this.valuesOf(node) });
      if (len === total) break;
      node = this.childAt(node, bitAt(addr, 0, len));
    }
    return out;
  }

  private findOrCreate(key: Uint8Array, bits: number): number {
    if (this.root === NONE) {
      this.root = this.alloc(key, bits);
      return this.root;
    }
    let parent = NONE;
    let node = this.root;
    for (;;) {
      const len = this.bitLen[node]!;
      const common = this.common(key, node, Math.min(len, bits));
      if (common === len && len === bits) return node;
      if (common === len) {
        const dir = bitAt(key, 0, len);
        const child = this.childAt(node, dir);
        if (child === NONE) {
          const leaf = this.alloc(key, bits);
          this.setChild(node, dir, leaf);
          return leaf;
        }
        parent = node;
        node = child;
        continue;
      }
      // The new prefix diverges inside this node's compressed path: split it there.
      const nodeKey = this.keyOf(node);
      if (common === bits) {
        const upper = this.alloc(key, bits);
        this.setChild(upper, bitAt(nodeKey, 0, bits), node);
        this.relink(parent, node, upper);
        return upper;
      }
      const glue = this.alloc(key, common);
      const leaf = this.alloc(key, bits);
      this.setChild(glue, bitAt(key, 0, common), leaf);
      this.setChild(glue, bitAt(nodeKey, 0, common), node);
      this.relink(parent, node, glue);
      return leaf;
    }
  }

  /** Walks back up the removal path dropping nodes that no longer route anything. */
  private prune(path: number[]): void {
    for (let i = path.length - 1; i >= 0; i--) {
      const node = path[i]!;
      if (this.held[node]! > 0) return;
      const c0 = this.child0[node]!;
      const c1 = this.child1[node]!;
      if (c0 !== NONE && c1 !== NONE) return;
      const parent = i > 0 ? path[i - 1]! : NONE;
      this.relink(parent, node, c0 !== NONE ? c0 : c1);
      this.release(node);
      if (c0 !== NONE || c1 !== NONE) return;
    }
  }

  /** Length of the common leading bits of `key` and node's key, capped at `max`. */
  private common(key: Uint8Array, node: number, max: number): number {
    const base = node * this.width;
    const keys = this.keys;
    let bit = 0;
    for (let i = 0; bit < max; i++, bit += 8) {
      const x = key[i]! ^ keys[base + i]!;
      if (x !== 0) return Math.min(max, bit + Math.clz32(x) - 24);
    }
    return max;
  }

  private valuesOf(node: number): T[] {
    const held = this.held[node]!;
    if (held === MANY) return [...this.many.get(node)!];
    return held === 0 ? [] : [this.single[node] as T];
  }

  private setValues(node: number, values: T[]): void {
    this.held[node] = Math.min(values.length, MANY);
    this.single[node] = values.length === 1 ? values[0] : undefined;
    if (values.length > 1) this.many.set(node, values);
    else this.many.delete(node);
  }

  private childAt(node: number, dir: number): number {
    return dir === 0 ? this.child0[node]! : this.child1[node]!;
  }

  private setChild(node: number, dir: number, child: number): void {
    if (dir === 0) this.child0[node] = child;
    else this.child1[node] = child;
  }

  private relink(parent: number, from: number, to: number): void {
    if (parent === NONE) this.root = to;
    else if (this.child0[parent] === from) this.child0[parent] = to;
    else this.child1[parent] = to;
  }

  private keyOf(node: number): Uint8Array {
    const base = node * this.width;
    return this.keys.slice(base, base + this.width);
  }

  private alloc(key: Uint8Array, bits: number): number {
    const node = this.free.length > 0 ? this.free.pop()! : this.next++;
    if (node >= this.capacity) this.grow();
    const base = node * this.width;
    // Host bits beyond `bits` are cleared so keys compare as prefixes, whatever the caller passed.
    for (let i = 0; i < this.width; i++) {
      const keep = Math.max(0, Math.min(8, bits - i * 8));
      this.keys[base + i] = key[i]! & ((0xff << (8 - keep)) & 0xff);
    }
    this.bitLen[node] = bits;
    this.child0[node] = NONE;
    this.child1[node] = NONE;
    this.setValues(node, []);
    return node;
  }

  private release(node: number): void {
    this.setValues(node, []);
    this.child0[node] = NONE;
    this.child1[node] = NONE;
    this.free.push(node);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const keys = new Uint8Array(cap * this.width);
    keys.set(this.keys);
    const bitLen = new Uint8Array(cap);
    bitLen.set(this.bitLen);
    const c0 = new Int32Array(cap).fill(NONE);
    c0.set(this.child0);
    const c1 = new Int32Array(cap).fill(NONE);
    c1.set(this.child1);
    const held = new Uint8Array(cap);
    held.set(this.held);
    this.held = held;
    this.keys = keys;
    this.bitLen = bitLen;
    this.child0 = c0;
    this.child1 = c1;
    this.capacity = cap;
  }
}

function bitAt(key: Uint8Array, base: number, bit: number): number {
  return (key[base + (bit >> 3)]! >> (7 - (bit & 7))) & 1;
}
