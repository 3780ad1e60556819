import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classToSuperFrom, confusionMatrix, superClassOrder } from '../../src/common/eval/confusion.js';

const I = (xs: number[]) => Int32Array.from(xs);

test('classes ordered by super-class, those without one last, with group spans', () => {
  // Classes 1, 4 -> super 0; 0, 2 -> super 1; 3 has none.
  const { order, groups } = superClassOrder(5, I([1, 0, 1, -1, 0]));
  assert.deepEqual([...order], [1, 4, 0, 2, 3]);
  assert.deepEqual(groups, [
    { superClass: 0, start: 0, end: 2 },
    { superClass: 1, start: 2, end: 4 },
    { superClass: -1, start: 4, end: 5 },
  ]);
  assert.deepEqual(superClassOrder(3), { order: I([0, 1, 2]), groups: [] });
  assert.deepEqual(superClassOrder(2, I([-1, -1])), { order: I([0, 1]), groups: [] });
  assert.throws(() => superClassOrder(3, I([0, 1])), RangeError);
});

test('class -> super-class table from per-entry labels', () => {
  const labels = I([0, 1, 2, 2, -1, 0]);
  const supers = I([1, 0, 1, 1, 0, -1]);
  assert.deepEqual([...classToSuperFrom(labels, supers, 4)], [1, 0, 1, -1]);
  assert.throws(() => classToSuperFrom(I([0, 0]), I([0, 1]), 1), /two super-classes/);
});

test('confusion matrix: counts in original ids, rows ordered into a diagonal, unlabelled ignored', () => {
  // 3 clusters over 3 classes; cluster 2 is class 0, cluster 0 is class 1, cluster 1 is class 2.
  const truth = I([0, 0, 0, 1, 1, 2, 2, -1]);
  const pred = I([2, 2, 0, 0, 0, 1, 1, 1]);
  const v = confusionMatrix(pred, truth, 4, 3);
  assert.deepEqual(v.counts, [
    [1, 2, 0],
    [0, 0, 2],
    [2, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual([...v.classOrder], [0, 1, 2]);
  // Cluster 3 is empty and goes last.
  assert.deepEqual([...v.clusterOrder], [2, 0, 1, 3]);
  assert.deepEqual(v.groups, []);
});

test('confusion matrix with super-classes: rows follow the grouped column order', () => {
  // Classes 0, 2 -> super 0; class 1 -> super 1. Column order 0 2 1.
  const truth = I([0, 0, 1, 1, 2, 2, 2]);
  const pred = I([0, 0, 1, 1, 2, 2, 3]);
  const v = confusionMatrix(pred, truth, 4, 3, I([0, 1, 0]));
  assert.deepEqual([...v.classOrder], [0, 2, 1]);
  // Clusters 2 and 3 both have class 2 as majority (both pure): tie broken by id.
  assert.deepEqual([...v.clusterOrder], [0, 2, 3, 1]);
  assert.deepEqual(v.groups, [
    { superClass: 0, start: 0, end: 2 },
    { superClass: 1, start: 2, end: 3 },
  ]);
});

test('clusters sharing a majority class: the purer one first', () => {
  const truth = I([0, 0, 0, 1, 0, 1]);
  const pred = I([1, 1, 1, 1, 0, 0]);
  // Cluster 1: 3 of 4 class 0 (0.75); cluster 0: class 0 and 1 tie, majority = first (class 0), 0.5.
  assert.deepEqual([...confusionMatrix(pred, truth, 2, 2).clusterOrder], [1, 0]);
});
