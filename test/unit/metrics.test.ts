import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignmentWeight, maxWeightAssignment } from '../../src/common/eval/hungarian.js';
import {
  ari,
  clusteringAccuracy,
  contingency,
  nmi,
  purity,
  score,
  superClassScores,
} from '../../src/common/eval/metrics.js';

const I = (xs: number[]) => Int32Array.from(xs);
const close = (actual: number, expected: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${msg ?? ''} ${actual} != ${expected}`);

/*
 * Example A, n = 8:
 *   truth = 0 0 0 1 1 1 2 2
 *   pred  = 0 0 1 1 1 2 2 2
 * Contingency (rows pred, cols truth): [2 0 0] [1 2 0] [0 1 2]; row sums 2 3 3, col sums 3 3 2.
 * ACC: the diagonal, 6/8 = 0.75.
 * ARI: index = C(2,2)*3 = 3; sumA = C(2,2)+2C(3,2) = 7; sumB = 2C(3,2)+C(2,2) = 7; C(8,2) = 28;
 *   expected = 7*7/28 = 1.75; ARI = (3 - 1.75) / (7 - 1.75) = 5/21.
 * NMI: H(pred) = H(truth) = 1/2 ln 2 + 3/4 ln(8/3) (sizes {2,3,3} of 8);
 *   MI = 2/8 ln(8*2/(2*3)) + 1/8 ln(8/(3*3)) + 2/8 ln(8*2/(3*3)) + 1/8 ln(8/(3*3)) + 2/8 ln(8*2/(3*2))
 *      = 1/2 ln(8/3) + 1/4 ln(128/81);  NMI = MI / H = 0.558873038217032...
 * (Cross-checked with a from-the-definition Python implementation: 0.5588730382170326, 0.238095238.)
 */
const A = { truth: I([0, 0, 0, 1, 1, 1, 2, 2]), pred: I([0, 0, 1, 1, 1, 2, 2, 2]) };
const A_NMI =
  (0.5 * Math.log(8 / 3) + 0.25 * Math.log(128 / 81)) / (0.5 * Math.log(2) + 0.75 * Math.log(8 / 3));

/*
 * Example B, n = 9 with two unlabelled entries (truth -1), k = 2 clusters, c = 3 classes:
 *   truth = 0 0 1 1 -1 2 2 2 -1
 *   pred  = 1 1 1 0  1 0 0 0  0
 * Labelled 7: contingency [0 1 3] [2 1 0]; row sums 4 3, col sums 2 2 3.
 * ACC: cluster 0 -> class 2 (3), cluster 1 -> class 0 (2): 5/7; class 1 unmatched.
 * ARI: index = C(3,2)+C(2,2) = 4; sumA = C(4,2)+C(3,2) = 9; sumB = 1+1+3 = 5; C(7,2) = 21;
 *   expected = 45/21 = 15/7; ARI = (4 - 15/7) / (7 - 15/7) = 13/34.
 * NMI: MI = 1/7 ln(7/8) + 3/7 ln(7/4) + 2/7 ln(7/3) + 1/7 ln(7/6);
 *   H(pred) = -(4/7 ln(4/7) + 3/7 ln(3/7)); H(truth) = -(4/7 ln(2/7) + 3/7 ln(3/7)); NMI = 0.55038988261764...
 */
const B = { truth: I([0, 0, 1, 1, -1, 2, 2, 2, -1]), pred: I([1, 1, 1, 0, 1, 0, 0, 0, 0]) };
const B_MI =
  (1 / 7) * Math.log(7 / 8) +
  (3 / 7) * Math.log(7 / 4) +
  (2 / 7) * Math.log(7 / 3) +
  (1 / 7) * Math.log(7 / 6);
const B_HP = -((4 / 7) * Math.log(4 / 7) + (3 / 7) * Math.log(3 / 7));
const B_HT = -((4 / 7) * Math.log(2 / 7) + (3 / 7) * Math.log(3 / 7));
const B_NMI = B_MI / ((B_HP + B_HT) / 2);

test('contingency counts cluster x class and skips unlabelled entries', () => {
  assert.deepEqual(contingency(A.pred, A.truth, 3, 3), [
    [2, 0, 0],
    [1, 2, 0],
    [0, 1, 2],
  ]);
  assert.deepEqual(contingency(B.pred, B.truth, 2, 3), [
    [0, 1, 3],
    [2, 1, 0],
  ]);
  assert.throws(() => contingency(I([0, 3]), I([0, 0]), 3, 1), RangeError);
  assert.throws(() => contingency(I([0, 0]), I([0, 1]), 1, 1), RangeError);
  assert.throws(() => contingency(I([0]), I([0, 0]), 1, 1), RangeError);
});

test('example A: hand-computed ACC, NMI, ARI', () => {
  const s = score(A.pred, A.truth, 3, 3);
  close(s.acc, 0.75);
  close(s.ari, 5 / 21);
  close(s.nmi, A_NMI);
  close(s.nmi, 0.5588730382170326);
  assert.deepEqual([...clusteringAccuracy(A.pred, A.truth, 3, 3).mapping], [0, 1, 2]);
});

test('example B: unlabelled entries ignored, fewer clusters than classes', () => {
  const s = score(B.pred, B.truth, 2, 3);
  close(s.acc, 5 / 7);
  close(s.ari, 13 / 34);
  close(s.nmi, B_NMI);
  close(s.nmi, 0.5503898826176473);
  assert.deepEqual([...clusteringAccuracy(B.pred, B.truth, 2, 3).mapping], [2, 0]);
  // Whatever the unlabelled entries were predicted, nothing moves.
  const flipped = B.pred.slice();
  flipped[4] = 0;
  flipped[8] = 1;
  assert.deepEqual(score(flipped, B.truth, 2, 3), s);
});

test('permutation invariance: renaming clusters, reordering entries, swapping arguments', () => {
  const rename = I([2, 0, 1]);
  const renamed = A.pred.map((p) => rename[p]!);
  assert.deepEqual(score(renamed, A.truth, 3, 3), score(A.pred, A.truth, 3, 3));
  const order = [5, 2, 7, 0, 3, 6, 1, 4];
  const p = I(order.map((i) => A.pred[i]!));
  const t = I(order.map((i) => A.truth[i]!));
  const s = score(p, t, 3, 3);
  close(s.acc, 0.75);
  close(s.nmi, A_NMI);
  close(s.ari, 5 / 21);
  close(nmi(A.truth, A.pred), nmi(A.pred, A.truth));
  close(ari(A.truth, A.pred), ari(A.pred, A.truth));
  // Label values need not be contiguous for nmi/ari.
  close(
    nmi(
      A.pred.map((x) => x * 10 + 7),
      A.truth,
    ),
    A_NMI,
  );
});

test('perfect and worst cases', () => {
  const perfect = score(I([2, 2, 0, 0, 1, 1]), I([0, 0, 1, 1, 2, 2]), 3, 3);
  assert.deepEqual(perfect, { acc: 1, nmi: 1, ari: 1 });
  // Everything in one cluster: one class matched, no information.
  const lumped = score(I([0, 0, 0, 0, 0, 0]), I([0, 0, 1, 1, 2, 2]), 3, 3);
  close(lumped.acc, 1 / 3);
  assert.equal(lumped.nmi, 0);
  assert.equal(lumped.ari, 0);
  // Independent partitions: truth 0 0 1 1, pred 0 1 0 1. MI = 0; ARI: index 0, sums 2 and 2,
  // expected 4/6, ARI = (0 - 2/3) / (2 - 2/3) = -1/2 (below chance).
  assert.equal(nmi(I([0, 1, 0, 1]), I([0, 0, 1, 1])), 0);
  close(ari(I([0, 1, 0, 1]), I([0, 0, 1, 1])), -0.5);
});

test('degenerate partitions follow sklearn', () => {
  assert.equal(nmi(I([3, 3, 3]), I([1, 1, 1])), 1);
  assert.equal(ari(I([3, 3, 3]), I([1, 1, 1])), 1);
  assert.equal(ari(I([0, 1, 2]), I([5, 4, 3])), 1);
  assert.equal(nmi(I([]), I([])), 1);
  assert.equal(ari(I([]), I([])), 1);
  assert.equal(nmi(I([0, 0, 0]), I([0, 1, 2])), 0);
  assert.equal(ari(I([0, 0, 0]), I([0, 1, 2])), 0);
  // Pairs with a negative label on either side drop out.
  assert.equal(nmi(I([0, 0, 1, -1]), I([1, 1, 0, 0])), 1);
  assert.equal(clusteringAccuracy(I([0]), I([-1]), 1, 1).acc, 0);
});

test('purity: majority vote rewards over-clustering, ACC does not', () => {
  // k = 4 over 2 classes: truth 0 0 0 1 1 1, clusters split each class in two pure halves.
  const truth = I([0, 0, 0, 1, 1, 1]);
  const pred = I([0, 0, 1, 2, 3, 3]);
  assert.equal(purity(pred, truth, 4, 2), 1);
  // One-to-one can use only two clusters: the larger halves, 2 + 2 of 6.
  close(clusteringAccuracy(pred, truth, 4, 2).acc, 4 / 6);
  // Example B: purity = (3 + 2) / 7, same as ACC there because no two clusters share a majority class.
  close(purity(B.pred, B.truth, 2, 3), 5 / 7);
  assert.equal(purity(I([0, 0]), I([-1, -1]), 1, 1), 0);
});

test('Hungarian matching: beats greedy, rectangular both ways', () => {
  // Greedy takes the 3 and is left with 0; the optimum crosses over for 2 + 2.
  assert.deepEqual(
    [
      ...maxWeightAssignment(
        [
          [3, 2],
          [2, 0],
        ],
        2,
      ),
    ],
    [1, 0],
  );
  // More rows (clusters) than columns (classes): one row stays unassigned.
  const tall = [
    [5, 1],
    [4, 0],
    [0, 3],
  ];
  assert.deepEqual([...maxWeightAssignment(tall, 2)], [0, -1, 1]);
  // More columns than rows; greedy would take 5 then 0, the optimum 4 + 4.
  const wide = [
    [1, 5, 4],
    [0, 4, 0],
  ];
  const w = maxWeightAssignment(wide, 3);
  assert.deepEqual([...w], [2, 1]);
  assert.equal(assignmentWeight(wide, w), 8);
  assert.deepEqual([...maxWeightAssignment([], 3)], []);
  assert.deepEqual([...maxWeightAssignment([[1], [2]], 0)], [-1, -1]);
});

test('Hungarian matching equals brute force on random small matrices', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  // Best one-to-one weight by trying every injection of the smaller side into the larger.
  const brute = (m: number[][], rows: number, cols: number): number => {
    const best = (r: number, used: Set<number>): number => {
      if (r === rows) return 0;
      let b = rows > cols ? best(r + 1, used) : -Infinity; // with more rows, a row may be left out
      for (let c = 0; c < cols; c++) {
        if (used.has(c)) continue;
        used.add(c);
        b = Math.max(b, m[r]![c]! + best(r + 1, used));
        used.delete(c);
      }
      return b === -Infinity ? 0 : b;
    };
    return best(0, new Set());
  };
  for (let trial = 0; trial < 200; trial++) {
    const rows = 1 + rand(5);
    const cols = 1 + rand(5);
    const m = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rand(10)));
    const a = maxWeightAssignment(m, cols);
    const usedCols = [...a].filter((c) => c >= 0);
    assert.equal(new Set(usedCols).size, usedCols.length, 'one-to-one');
    assert.equal(usedCols.length, Math.min(rows, cols));
    assert.equal(assignmentWeight(m, a), brute(m, rows, cols), JSON.stringify(m));
  }
});

test('super-class scores: Hungarian when k == nSuper, purity otherwise', () => {
  // Classes 0,1 -> super 0; classes 2,3 -> super 1; class 4 has no super-class.
  const classToSuper = I([0, 0, 1, 1, -1]);
  const truth = I([0, 1, 1, 2, 3, 3, 4, -1]);
  const pred2 = I([1, 1, 1, 0, 0, 1, 0, 0]);
  // Super truth 0 0 0 1 1 1 (last two dropped); pred 1 1 1 0 0 1 -> ACC 5/6 with 1 -> 0, 0 -> 1.
  const s2 = superClassScores(pred2, classToSuper, truth, 2, 2);
  assert.equal(s2.accKind, 'hungarian');
  close(s2.acc, 5 / 6);
  const direct = score(I([1, 1, 1, 0, 0, 1]), I([0, 0, 0, 1, 1, 1]), 2, 2);
  close(s2.nmi, direct.nmi);
  close(s2.ari, direct.ari);
  // k = 4 clusters over 2 super-classes, each pure: purity 1.
  const s4 = superClassScores(I([0, 1, 1, 2, 3, 3, 0, 0]), classToSuper, truth, 4, 2);
  assert.equal(s4.accKind, 'purity');
  assert.equal(s4.acc, 1);
  assert.throws(() => superClassScores(I([0]), classToSuper, I([5]), 1, 2), RangeError);
});
