import assert from 'node:assert/strict';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cosineGroups } from '../../src/trainer/curate/embeddingGroups.js';
import {
  forEachNearPair,
  groupDuplicates,
  hamming,
  leaderGroups,
} from '../../src/trainer/curate/nearGroups.js';
import { makeDuplicateFolder } from './curateImages.js';
import { makeHarness } from './harness.js';

const { tmp, cache, run } = makeHarness(1);
const dir = join(tmp, 'dups');
const ready = makeDuplicateFolder(dir);

interface Report {
  by: string;
  source?: string;
  excluded: number;
  hashed: number;
  images: number;
  undecodable: string[];
  groups: { kind: string; members: { path: string; distance: number; cluster?: number }[] }[];
  counts: { threshold: number; groups: number; images: number }[];
}
const json = async (args: string[]): Promise<{ code: number; report: Report; stderr: string }> => {
  const r = await run(['duplicates', ...args, '--json', '--cache', cache]);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
};
const paths = (r: Report) => r.groups.map((g) => [g.kind, ...g.members.map((m) => m.path)].join(' '));

test('duplicates finds the exact, re-encoded and brightened copies, and nothing among distinct images', async () => {
  await ready;
  const { code, report, stderr } = await json([dir]);
  assert.equal(code, 1, stderr);
  assert.equal(report.images, 13);
  assert.deepEqual(paths(report), [
    'exact a/one.png b/one-copy.png',
    'near a/three.png b/three-bright.png',
    'near a/two.png b/two-small.jpg',
  ]);
  for (const g of report.groups)
    assert.ok(
      g.members.every((m) => m.distance <= 8),
      JSON.stringify(g),
    );
  assert.deepEqual(report.undecodable, ['b/broken.png']);
  assert.equal(report.counts.length, 9);
  assert.deepEqual(report.counts.at(-1), { threshold: 8, groups: 3, images: 6 });
  // Even at the widest threshold the six distinct images stay apart (they are 20+ bits from everything).
  const wide = await json([dir, '--threshold', '16']);
  assert.deepEqual(paths(wide.report), paths(report));
  // At 0 bits only identical hashes group: the exact copy certainly, the edited copies only if their hash did not move.
  const strict = await json([dir, '--threshold', '0']);
  assert.ok(paths(strict.report).includes('exact a/one.png b/one-copy.png'));
  assert.ok(strict.report.groups.every((g) => g.members.every((m) => m.distance === 0)));
});

test('a second call hashes nothing; a changed file is hashed again', async () => {
  await ready;
  const first = await json([dir, '--threshold', '4']);
  assert.equal(first.report.hashed, 0, 'the first test filled the cache');
  assert.match(first.stderr, /hashed 0 of 13 images/);
  const file = join(dir, 'a', 'other5.png');
  const later = new Date(Date.now() + 5000);
  utimesSync(file, later, later);
  const second = await json([dir]);
  assert.equal(second.report.hashed, 1);
});

test('human output and exit 0 on a folder without duplicates', async () => {
  await ready;
  const r = await run(['duplicates', dir, '--cache', cache]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^group 1: exact, 2 images\n {2}a\/one\.png\n {2}b\/one-copy\.png\n/);
  assert.match(
    r.stdout,
    /13 images in .*: 3 duplicate groups \(1 exact, 2 near\) holding 6 images, within 8 bits/,
  );
  const clean = join(tmp, 'clean');
  const { discs } = await import('./curateImages.js');
  await import('node:fs').then((fs) => fs.mkdirSync(clean, { recursive: true }));
  await discs(4).png().toFile(join(clean, 'x.png'));
  await discs(5).png().toFile(join(clean, 'y.png'));
  const none = await run(['duplicates', clean, '--cache', cache]);
  assert.equal(none.code, 0, none.stdout + none.stderr);
  assert.match(none.stdout, /2 images in .*: 0 duplicate groups/);
});

test('bad input: one line, exit 2, before any work', async () => {
  await ready;
  for (const [args, line] of [
    [[join(tmp, 'missing')], /^clusterlab: image folder does not exist: .*missing\n$/],
    [
      [dir, '--threshold', 'x'],
      /^clusterlab: --threshold must be a whole number of bits from 0 to 16 \(got 'x'\)\n$/,
    ],
    [
      [dir, '--threshold', '17'],
      /^clusterlab: --threshold must be a whole number of bits from 0 to 16 \(got '17'\)\n$/,
    ],
    [[dir, '--threshold', '-1'], /^clusterlab: --threshold must be a whole number/],
    [[], /^clusterlab: duplicates takes one image or run folder \(got 0\)\n$/],
    [[dir, '--bogus'], /^clusterlab: unknown option --bogus \(clusterlab help shows the options\)\n$/],
  ] as const) {
    const r = await run(['duplicates', ...args, '--cache', cache]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, line);
    assert.equal(r.stdout, '');
  }
});

test("a run folder: its image folder, each member with its cluster after the user's moves", async () => {
  await ready;
  const out = join(tmp, 'run');
  const t = await run([
    'train',
    '--method',
    'cc',
    '--data',
    dir,
    '--clusters',
    '3',
    '--epochs',
    '1',
    '--image-size',
    '16',
    '--batch',
    '8',
    '--backend',
    'wasm',
    '--cache',
    cache,
    '--out',
    out,
  ]);
  assert.equal(t.code, 0, t.stderr);
  writeFileSync(
    join(out, 'labels.json'),
    JSON.stringify({
      format: 'clusterlab-labels',
      version: 1,
      names: {},
      merges: [],
      moves: { 'b/one-copy.png': 7 },
    }),
  );
  const trained = new Map(
    readFileSync(join(out, 'assignments.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => [l.split(',')[0]!, Number(l.split(',')[1])]),
  );
  const { code, report } = await json([out]);
  assert.equal(code, 1);
  assert.equal(report.groups.length, 3);
  for (const g of report.groups) {
    for (const m of g.members)
      assert.equal(m.cluster, m.path === 'b/one-copy.png' ? 7 : trained.get(m.path), m.path);
  }
});

test("images on the dataset's exclusion list are left out, unless --include-excluded", async () => {
  await ready;
  const list = join(dir, '.clusterlab-exclude.json');
  writeFileSync(
    list,
    JSON.stringify({
      format: 'clusterlab-exclusions',
      version: 1,
      paths: ['b/one-copy.png', 'b/three-bright.png'],
    }),
  );
  try {
    const { code, report } = await json([dir]);
    assert.equal(code, 1);
    assert.equal(report.images, 11);
    assert.equal(report.excluded, 2);
    assert.deepEqual(paths(report), ['near a/two.png b/two-small.jpg']);
    const human = await run(['duplicates', dir, '--cache', cache]);
    assert.match(human.stdout, /2 images on the dataset's exclusion list were left out/);
    const all = await json([dir, '--include-excluded']);
    assert.equal(all.report.excluded, 0);
    assert.equal(all.report.groups.length, 3);
    // A damaged list is bad input: one line naming it, exit 2.
    writeFileSync(list, '{"format":"clusterlab-exclusions"');
    const bad = await run(['duplicates', dir, '--cache', cache]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /\.clusterlab-exclude\.json/);
  } finally {
    rmSync(list, { force: true });
  }
});

test("--cosine groups a run's images by the cosine of its features", async () => {
  await ready;
  const out = join(tmp, 'run');
  const { code, report } = await json([out, '--cosine', '0.99']);
  assert.equal(code, 1);
  assert.equal(report.by, 'cosine');
  assert.equal(report.source, 'run features');
  // The exact copy has the same pixels, so the same features: same group, cosine 1.
  const g = report.groups.find((x) => x.members.some((m) => m.path === 'a/one.png'));
  assert.ok(g, JSON.stringify(report.groups));
  assert.ok(g.members.some((m) => m.path === 'b/one-copy.png' && m.distance < 1e-6));
  for (const x of report.groups) for (const m of x.members) assert.ok(m.distance <= 0.01 + 1e-9, m.path);
  assert.deepEqual(report.counts.at(-1)!.threshold, 0.99);
  for (const [args, line] of [
    [[dir, '--cosine', '0.95'], /^clusterlab: --cosine compares a run's embeddings: .* is no run folder/],
    [[out, '--cosine', '0.5'], /^clusterlab: --cosine must be a number from 0.9 to 1 \(got '0.5'\)\n$/],
    [[out, '--cosine', '0.95', '--threshold', '3'], /exclude each other/],
  ] as const) {
    const r = await run(['duplicates', ...args, '--cache', cache]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, line);
  }
});

test('cosine groups equal the exact (all pairs) grouping on planted near copies among random vectors', () => {
  const dim = 32;
  let s = 11;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const vectors: number[][] = [];
  for (let c = 0; c < 60; c++) {
    const base = unit(Array.from({ length: dim }, rnd));
    vectors.push(base);
    // Near copies at a few noise levels: some above 0.95, some below.
    for (let k = 0; k < c % 4; k++) vectors.push(unit(base.map((x) => x + rnd() * 0.05 * (k + 1))));
  }
  const n = vectors.length;
  const paths = vectors.map((_, i) => `v${String(i).padStart(4, '0')}`);
  const rows = Float32Array.from(vectors.flat());
  const cos = (i: number, j: number) => vectors[i]!.reduce((a, x, d) => a + x * vectors[j]![d]!, 0);
  for (const minCos of [0.9, 0.95, 0.99]) {
    const got = cosineGroups(paths, rows, dim, minCos, [0.99]);
    const exact = leaderGroups(n, (i, claimed, visit) => {
      for (let j = 0; j < n; j++) if (j !== i && !claimed[j] && cos(i, j) >= minCos) visit(j, 1 - cos(i, j));
    });
    const expected = [...new Set(exact.rep)]
      .map((r) => paths.filter((_, i) => exact.rep[i] === r))
      .filter((g) => g.length > 1);
    assert.deepEqual(
      got.groups.map((g) => g.members.map((m) => m.path)),
      expected,
      `cosine ${minCos}`,
    );
    assert.ok(expected.length >= 5, `cosine ${minCos} has groups to find (${expected.length})`);
  }
});

test('multi-index pairs are exactly the brute-force pairs within T', () => {
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
  const hex = () => rnd().toString(16).padStart(8, '0').slice(-8);
  // Clumps of hashes a few flipped bits apart, so there are pairs at every distance.
  const hashes: string[] = [];
  for (let c = 0; c < 30; c++) {
    const base = BigInt(`0x${hex()}${hex()}`);
    for (let k = 0; k < 8; k++) {
      let h = base;
      for (let f = rnd() % 12; f > 0; f--) h ^= 1n << BigInt(rnd() % 64);
      hashes.push(h.toString(16).padStart(16, '0'));
    }
  }
  for (const t of [0, 3, 8, 12]) {
    const brute: string[] = [];
    for (let i = 0; i < hashes.length; i++)
      for (let j = i + 1; j < hashes.length; j++)
        if (hamming(hashes[i]!, hashes[j]!) <= t) brute.push(`${i},${j}`);
    const found: string[] = [];
    forEachNearPair(hashes, t, (i, j) => found.push(`${Math.min(i, j)},${Math.max(i, j)}`));
    assert.deepEqual(found.sort(), brute.sort(), `T=${t}`);
    assert.ok(brute.length > 0 || t === 0, `T=${t} has pairs to find`);
  }
  // Counts per threshold agree with grouping at that threshold directly.
  const images = hashes.map((h, i) => ({ path: `p${String(i).padStart(3, '0')}`, sha256: h, dhash: h }));
  const all = groupDuplicates(images, 8);
  for (const c of all.counts) {
    const direct = groupDuplicates(images, c.threshold);
    assert.deepEqual(
      [c.groups, c.images],
      [direct.groups.length, direct.groups.reduce((n, g) => n + g.members.length, 0)],
      `T=${c.threshold}`,
    );
  }
});

test('a chain of small steps is not one group: every member is within T of its group representative', () => {
  // h0 -> h1 -> ... each 3 bits from the last, so h0 and h9 are 27 bits apart. Grouping by connected
  // components of the pairs within 4 bits made this one group of ten.
  const hashes: string[] = [];
  let h = 0x0123456789abcdefn;
  for (let k = 0; k < 10; k++) {
    hashes.push(h.toString(16).padStart(16, '0'));
    for (let f = 0; f < 3; f++) h ^= 1n << BigInt(k * 6 + f);
  }
  const images = hashes.map((dhash, i) => ({ path: `c${i}.png`, sha256: `s${i}`, dhash }));
  const { groups, counts } = groupDuplicates(images, 4);
  assert.deepEqual(
    groups.map((g) => g.members.map((m) => m.path)),
    [
      ['c0.png', 'c1.png'],
      ['c2.png', 'c3.png'],
      ['c4.png', 'c5.png'],
      ['c6.png', 'c7.png'],
      ['c8.png', 'c9.png'],
    ],
  );
  for (const g of groups) {
    const rep = hashes[Number(g.members[0]!.path.slice(1, -4))]!;
    for (const m of g.members) {
      const d = hamming(rep, hashes[Number(m.path.slice(1, -4))]!);
      assert.equal(m.distance, d, m.path);
      assert.ok(d <= 4, `${m.path} is ${d} bits from its representative`);
    }
  }
  assert.deepEqual(counts.at(-1), { threshold: 4, groups: 5, images: 10 });
  assert.deepEqual(counts[2], { threshold: 2, groups: 0, images: 0 });
  // Exact copies of a member stay with it; an undecodable file groups only with its exact copies.
  const withCopies = groupDuplicates(
    [
      ...images,
      { path: 'copy-of-c3.png', sha256: 's3', dhash: hashes[3]! },
      { path: 'x.bin', sha256: 'x' },
      { path: 'y.bin', sha256: 'x' },
    ],
    4,
  );
  assert.deepEqual(
    withCopies.groups.map((g) => `${g.kind}: ${g.members.map((m) => `${m.path}@${m.distance}`).join(' ')}`),
    [
      'near: c0.png@0 c1.png@3',
      'near: c2.png@0 c3.png@3 copy-of-c3.png@3',
      'near: c4.png@0 c5.png@3',
      'near: c6.png@0 c7.png@3',
      'near: c8.png@0 c9.png@3',
      'exact: x.bin@0 y.bin@0',
    ],
  );
});
