/**
 * Grouping near-duplicate images so that a user can keep one of each group and drop the rest.
 *
 * Groups are formed greedily, in path order: the first image not yet in a group is a group's
 * representative, and its group is every image not yet in a group within the threshold of it. So
 * every member is a near copy of the representative (within T of it, and within 2T of each other),
 * and a chain a~b~c~... of small steps never joins images far apart — what connected components of
 * the pairs did (at 8 bits they put 64,365 of Fashion-MNIST's 70,000 images in 271 groups).
 * Complete linkage (every pair within T) would be stricter still but has no single image to keep.
 *
 * Neighbours come from a bucket index: several keys per item (hash bands, or random-hyperplane
 * signatures of embeddings), compared only within a shared bucket, not all n^2 pairs.
 */

export interface HashedImage {
  path: string;
  sha256: string;
  dhash?: string;
}

export interface GroupMember {
  path: string;
  /** From the group's representative (its first member): bits of dHash, or 1 - cosine of embeddings. */
  distance: number;
}

export interface DuplicateGroup {
  /** exact: every member has the same bytes; near: at least two different contents. */
  kind: 'exact' | 'near';
  /** The representative first (the one to keep by default), then the rest in path order. */
  members: GroupMember[];
}

export interface ThresholdCount {
  threshold: number;
  groups: number;
  /** Images in those groups. */
  images: number;
}

export interface Grouping {
  groups: DuplicateGroup[];
  /** What each threshold up to the one asked for would give. */
  counts: ThresholdCount[];
}

/** Bit positions where the two 16-hex-digit hashes differ. */
export function hamming(a: string, b: string): number {
  return (
    popcount(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) +
    popcount(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16))
  );
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Items bucketed under one key per table. A query visits every item still live (not claimed) that
 * shares a bucket with the asked one, once; claimed items are dropped from the buckets as they are
 * met, so later queries skip them for free. `reset` makes every item live again.
 */
export class BucketIndex {
  private readonly start: Int32Array[] = [];
  private readonly all: Int32Array[] = [];
  private readonly items: Int32Array[] = [];
  private readonly live: Int32Array[] = [];
  private readonly seen: Int32Array;
  private stamp = 0;

  /** keys[t][i]: item i's bucket in table t, a small non-negative id. */
  constructor(private readonly keys: readonly Int32Array[]) {
    const n = keys[0]?.length ?? 0;
    this.seen = new Int32Array(n);
    for (const key of keys) {
      let buckets = 0;
      for (let i = 0; i < n; i++) buckets = Math.max(buckets, key[i]! + 1);
      const start = new Int32Array(buckets + 1);
      for (let i = 0; i < n; i++) start[key[i]! + 1]!++;
      for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
      const fill = start.slice(0, buckets);
      const items = new Int32Array(n);
      for (let i = 0; i < n; i++) items[fill[key[i]!]!++] = i;
      this.start.push(start);
      this.all.push(items);
      this.items.push(items.slice());
      this.live.push(Int32Array.from({ length: buckets }, (_, b) => start[b + 1]! - start[b]!));
    }
  }

  reset(): void {
    this.all.forEach((items, t) => {
      this.items[t]!.set(items);
      const start = this.start[t]!;
      this.live[t]!.forEach((_, b, live) => (live[b] = start[b + 1]! - start[b]!));
    });
  }

  candidates(i: number, claimed: Uint8Array, visit: (j: number) => void): void {
    const stamp = ++this.stamp;
    this.seen[i] = stamp;
    this.keys.forEach((key, t) => {
      const items = this.items[t]!;
      const live = this.live[t]!;
      const b = key[i]!;
      const s = this.start[t]![b]!;
      let w = s;
      for (let k = s, end = s + live[b]!; k < end; k++) {
        const j = items[k]!;
        if (claimed[j]) continue;
        items[w++] = j;
        if (this.seen[j] === stamp) continue;
        this.seen[j] = stamp;
        visit(j);
      }
      live[b] = w - s;
    });
  }
}

/**
 * Greedy representatives in item order: each item not yet claimed claims itself and the unclaimed
 * items `near` reports (within the threshold of it). rep[i] is i's representative (i for one), and
 * distance[i] its distance to it.
 */
export function leaderGroups(
  n: number,
  near: (i: number, claimed: Uint8Array, visit: (j: number, distance: number) => void) => void,
): { rep: Int32Array; distance: Float64Array } {
  const claimed = new Uint8Array(n);
  const rep = new Int32Array(n);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (claimed[i]) continue;
    claimed[i] = 1;
    rep[i] = i;
    near(i, claimed, (j, d) => {
      if (claimed[j]) return;
      claimed[j] = 1;
      rep[j] = i;
      distance[j] = d;
    });
  }
  return { rep, distance };
}

/**
 * A bucket index over 64-bit hashes for thresholds up to `maxBits`: the 64 bits cut into maxBits + 1
 * bands, and two hashes within maxBits agree exactly on at least one band (pigeonhole).
 */
export function hammingIndex(hi: Uint32Array, lo: Uint32Array, maxBits: number): BucketIndex {
  const bands = maxBits + 1;
  const keys: Int32Array[] = [];
  for (let b = 0; b < bands; b++) {
    // Band b: bits [start, end) of the 64, widths as equal as they can be.
    const start = BigInt(Math.floor((b * 64) / bands));
    const mask = (1n << (BigInt(Math.floor(((b + 1) * 64) / bands)) - start)) - 1n;
    const ids = new Map<bigint, number>();
    keys.push(
      Int32Array.from(hi, (h, i) => {
        const v = (((BigInt(h) << 32n) | BigInt(lo[i]!)) >> start) & mask;
        let id = ids.get(v);
        if (id === undefined) ids.set(v, (id = ids.size));
        return id;
      }),
    );
  }
  return new BucketIndex(keys);
}

/** Calls `visit` once for each pair of hashes (indices into `hashes`) within `threshold` bits, with their distance. */
export function forEachNearPair(
  hashes: readonly string[],
  threshold: number,
  visit: (i: number, j: number, distance: number) => void,
): void {
  const { hi, lo } = splitHashes(hashes);
  const index = hammingIndex(hi, lo, threshold);
  const none = new Uint8Array(hashes.length);
  for (let i = 0; i < hashes.length; i++)
    index.candidates(i, none, (j) => {
      const d = popcount((hi[i]! ^ hi[j]!) >>> 0) + popcount((lo[i]! ^ lo[j]!) >>> 0);
      if (j > i && d <= threshold) visit(i, j, d);
    });
}

function splitHashes(hashes: readonly string[]): { hi: Uint32Array; lo: Uint32Array } {
  return {
    hi: Uint32Array.from(hashes, (h) => parseInt(h.slice(0, 8), 16)),
    lo: Uint32Array.from(hashes, (h) => parseInt(h.slice(8), 16)),
  };
}

/** Groups of at least two images, by their representatives' path order; see the top of the file. */
export function groupDuplicates(images: readonly HashedImage[], threshold: number): Grouping {
  const sorted = [...images].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // One node per distinct content, numbered in path order of its first file; exact copies share it.
  const contentOf = new Map<string, number>();
  const node = sorted.map((im) => {
    let c = contentOf.get(im.sha256);
    if (c === undefined) contentOf.set(im.sha256, (c = contentOf.size));
    return c;
  });
  const nodes = contentOf.size;
  const hashOfNode: (string | undefined)[] = new Array(nodes);
  sorted.forEach((im, i) => (hashOfNode[node[i]!] ??= im.dhash));
  // Undecodable contents (no hash) never match a hash: they sit alone in a bucket of their own.
  const { hi, lo } = splitHashes(hashOfNode.map((h) => h ?? '0'.repeat(16)));
  const hasHash = Uint8Array.from(hashOfNode, (h) => (h === undefined ? 0 : 1));
  const filesOf = new Int32Array(nodes);
  for (const c of node) filesOf[c]!++;

  const groupAt = (t: number) => {
    // An index per threshold: t + 1 bands are as long as they can be for t, and the bands of a
    // looser threshold made the strict ones scan buckets 100x larger (minutes on Fashion-MNIST).
    const index = hammingIndex(hi, lo, t);
    return leaderGroups(nodes, (i, claimed, visit) => {
      if (!hasHash[i]) return;
      index.candidates(i, claimed, (j) => {
        if (!hasHash[j]) return;
        const d = popcount((hi[i]! ^ hi[j]!) >>> 0) + popcount((lo[i]! ^ lo[j]!) >>> 0);
        if (d <= t) visit(j, d);
      });
    });
  };
  const counts: ThresholdCount[] = [];
  let last: ReturnType<typeof groupAt> | undefined;
  for (let t = 0; t <= threshold; t++) {
    last = groupAt(t);
    counts.push({ threshold: t, ...countGroups(last.rep, filesOf) });
  }
  const { rep, distance } = last!;

  const byRep = new Map<number, number[]>();
  sorted.forEach((_, i) => {
    const r = rep[node[i]!]!;
    const list = byRep.get(r);
    if (list) list.push(i);
    else byRep.set(r, [i]);
  });
  const groups: DuplicateGroup[] = [];
  for (const members of byRep.values()) {
    if (members.length < 2) continue;
    const exact = members.every((i) => node[i] === node[members[0]!]);
    groups.push({
      kind: exact ? 'exact' : 'near',
      members: members.map((i) => ({ path: sorted[i]!.path, distance: distance[node[i]!]! })),
    });
  }
  return { groups, counts };
}

/** Groups of at least two files, and the files in them, given each node's representative and file count. */
export function countGroups(rep: Int32Array, filesOf: Int32Array): { groups: number; images: number } {
  const files = new Int32Array(rep.length);
  rep.forEach((r, i) => (files[r]! += filesOf[i]!));
  let groups = 0;
  let images = 0;
  for (const f of files)
    if (f > 1) {
      groups++;
      images += f;
    }
  return { groups, images };
}
