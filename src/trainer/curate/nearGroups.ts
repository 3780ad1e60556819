/**
 * Grouping images by hash: byte-identical files always, and distinct contents whose 64-bit hashes
 * differ in at most T bits. Candidate pairs come from multi-index hashing: cut the 64 bits into
 * T + 1 bands; two hashes within T bits agree exactly on at least one band (pigeonhole), so only
 * images sharing a band value are compared, not all n^2 pairs. Groups are the connected components
 * of the pairs (union-find), so a chain a~b~c is one group even when a and c are further apart.
 */

export interface HashedImage {
  path: string;
  sha256: string;
  dhash?: string;
}

export interface GroupMember {
  path: string;
  /** Bits between this image's hash and the group's first member's (0 for an exact copy). */
  distance: number;
}

export interface DuplicateGroup {
  /** exact: every member has the same bytes; near: at least two different contents. */
  kind: 'exact' | 'near';
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
  /** What thresholds 0..T would give, from the same pairs. */
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

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return true;
  }
}

/** Calls `visit` once for each pair of hashes (indices into `hashes`) within `threshold` bits, with their distance. */
export function forEachNearPair(
  hashes: readonly string[],
  threshold: number,
  visit: (i: number, j: number, distance: number) => void,
): void {
  const n = hashes.length;
  const hi = Uint32Array.from(hashes, (h) => parseInt(h.slice(0, 8), 16));
  const lo = Uint32Array.from(hashes, (h) => parseInt(h.slice(8), 16));
  const bands = threshold + 1;
  // bandKey[b][i]: a small id for image i's value in band b, so earlier bands are checked with integer compares.
  const bandKey: Int32Array[] = [];
  const members: number[][][] = [];
  for (let b = 0; b < bands; b++) {
    // Band b: bits [start, end) of the 64, widths as equal as they can be.
    const start = BigInt(Math.floor((b * 64) / bands));
    const mask = (1n << (BigInt(Math.floor(((b + 1) * 64) / bands)) - start)) - 1n;
    const ids = new Map<bigint, number>();
    const key = new Int32Array(n);
    const lists: number[][] = [];
    for (let i = 0; i < n; i++) {
      const v = (((BigInt(hi[i]!) << 32n) | BigInt(lo[i]!)) >> start) & mask;
      let id = ids.get(v);
      if (id === undefined) {
        ids.set(v, (id = ids.size));
        lists.push([]);
      }
      key[i] = id;
      lists[id]!.push(i);
    }
    bandKey.push(key);
    members.push(lists);
  }
  for (let b = 0; b < bands; b++) {
    for (const list of members[b]!) {
      for (let x = 0; x < list.length; x++) {
        const i = list[x]!;
        for (let y = x + 1; y < list.length; y++) {
          const j = list[y]!;
          // Each pair once: in the first band the two share.
          let earlier = false;
          for (let e = 0; e < b && !earlier; e++) earlier = bandKey[e]![i] === bandKey[e]![j];
          if (earlier) continue;
          const d = popcount((hi[i]! ^ hi[j]!) >>> 0) + popcount((lo[i]! ^ lo[j]!) >>> 0);
          if (d <= threshold) visit(i, j, d);
        }
      }
    }
  }
}

/** Groups of at least two images, in path order of their first members; members in path order. */
export function groupDuplicates(images: readonly HashedImage[], threshold: number): Grouping {
  const sorted = [...images].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // One node per distinct content; exact copies share it.
  const contentOf = new Map<string, number>();
  const node = sorted.map((im) => {
    let c = contentOf.get(im.sha256);
    if (c === undefined) contentOf.set(im.sha256, (c = contentOf.size));
    return c;
  });
  const hashOfContent: (string | undefined)[] = new Array(contentOf.size);
  sorted.forEach((im, i) => (hashOfContent[node[i]!] ??= im.dhash));
  const hashed = hashOfContent.flatMap((h, c) => (h === undefined ? [] : [{ c, h }]));
  // One partition per threshold t (pairs within t bits joined): no list of pairs is kept, which on
  // look-alike data (Fashion-MNIST) runs to tens of millions. Joined at t means joined above t too,
  // so a pair stops at the first threshold where it is already together.
  const ufs = Array.from({ length: threshold + 1 }, () => new UnionFind(contentOf.size));
  forEachNearPair(
    hashed.map((x) => x.h),
    threshold,
    (a, b, d) => {
      const [ca, cb] = [hashed[a]!.c, hashed[b]!.c];
      for (let t = d; t <= threshold && ufs[t]!.union(ca, cb); t++);
    },
  );
  const filesOf = new Array<number>(contentOf.size).fill(0);
  for (const c of node) filesOf[c]!++;
  const counts: ThresholdCount[] = ufs.map((uf, t) => {
    const files = new Map<number, number>();
    filesOf.forEach((f, c) => {
      const r = uf.find(c);
      files.set(r, (files.get(r) ?? 0) + f);
    });
    const big = [...files.values()].filter((f) => f > 1);
    return { threshold: t, groups: big.length, images: big.reduce((x, f) => x + f, 0) };
  });
  const uf = ufs[threshold]!;

  const byRoot = new Map<number, number[]>();
  sorted.forEach((_, i) => {
    const r = uf.find(node[i]!);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  });
  const out: DuplicateGroup[] = [];
  for (const members of byRoot.values()) {
    if (members.length < 2) continue;
    const first = sorted[members[0]!]!;
    const exact = members.every((i) => sorted[i]!.sha256 === first.sha256);
    out.push({
      kind: exact ? 'exact' : 'near',
      members: members.map((i) => {
        const im = sorted[i]!;
        return { path: im.path, distance: im.sha256 === first.sha256 ? 0 : hamming(first.dhash!, im.dhash!) };
      }),
    });
  }
  return { groups: out, counts };
}
