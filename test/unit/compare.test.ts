// The Compare Runs page's pure parts: cross-run agreement, seed stability, the A x B contingency,
// the K rule, the table (differing settings, seed folding), overlay, merges and the copied text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  agreement,
  agreementMatrices,
  alignByPath,
  cellImages,
  crossTable,
  seedStability,
} from '../../src/common/eval/agreement.js';
import { K_RULES, suggestK } from '../../src/common/eval/chooseK.js';
import { Rng } from '../../src/trainer/util/rng.js';
import { emptyLabels, type LabelsJson } from '../../src/protocol/labels.js';
import type { MetricsRow, RunJson, SummaryJson, TrainConfig } from '../../src/protocol/run.js';
import type { CompareColumn, CompareRow, CompareState } from '../../src/protocol/compareMessages.js';
import { commandRunDirs } from '../../src/extension/views/compareController.js';
import { kSweep, merges, overlay, pairState } from '../../src/extension/views/compareModel.js';
import {
  compareTable,
  differingSettings,
  sd,
  type CompareRun,
} from '../../src/extension/views/compareTable.js';
import { buildRunModel } from '../../src/extension/views/runModel.js';
import { bestRows, sortRows } from '../../webview/compare/table.js';
import { tableText } from '../../webview/compare/tableText.js';

const close = (actual: number | undefined, expected: number, msg = '') =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${msg} ${actual} != ${expected}`);
const P = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png', 'g.png', 'h.png'];
// metrics.test.ts's example A (hand-computed there): NMI and ARI between these two partitions of 8.
const PRED = [0, 0, 1, 1, 1, 2, 2, 2];
const TRUTH = [0, 0, 0, 1, 1, 1, 2, 2];
const A_NMI =
  (0.5 * Math.log(8 / 3) + 0.25 * Math.log(128 / 81)) / (0.5 * Math.log(2) + 0.75 * Math.log(8 / 3));
const A_ARI = 5 / 21;
const c = (clusters: number[], paths = P) => ({ paths, clusters });

describe('cross-run agreement', () => {
  test('aligns two runs by image path, in the first run’s order, leaving out unshared images', () => {
    const x = alignByPath(c([0, 1, 2], ['x', 'y', 'z']), c([5, 6, 7], ['z', 'w', 'x']));
    assert.deepEqual(x.paths, ['x', 'z']);
    assert.deepEqual([...x.a], [0, 2]);
    assert.deepEqual([...x.b], [7, 5]);
  });

  test('NMI/ARI between runs: 1 for a relabelled copy, the hand-computed values otherwise, whatever the row order', () => {
    close(agreement(c(PRED), c(PRED.map((k) => 2 - k)), 'nmi'), 1);
    close(agreement(c(PRED), c(PRED.map((k) => 2 - k)), 'ari'), 1);
    // Run B lists its images in reverse: matching by path, not by row, gives the same numbers.
    const reversed = c([...TRUTH].reverse(), [...P].reverse());
    close(agreement(c(PRED), reversed, 'nmi'), A_NMI);
    close(agreement(c(PRED), reversed, 'ari'), A_ARI);
    assert.equal(agreement(c([0], ['x']), c([0], ['y']), 'nmi'), undefined);
  });

  test('the matrix is symmetric with 1 on the diagonal and null where two runs share no image', () => {
    const { nmi, ari } = agreementMatrices([c(PRED), c(TRUTH), c([0, 1], ['other1', 'other2'])]);
    close(ari[0]![1]!, A_ARI);
    close(ari[1]![0]!, A_ARI);
    close(nmi[1]![0]!, A_NMI);
    assert.deepEqual([ari[0]![0], nmi[1]![1], ari[2]![2], ari[0]![2], nmi[2]![1]], [1, 1, 1, null, null]);
  });

  test('seed stability is the mean pairwise ARI: (1 + 2 * ARI_A) / 3 for a run, its relabelled copy and example A’s truth', () => {
    close(seedStability([c(PRED), c(PRED.map((k) => (k + 1) % 3)), c(TRUTH)]), (1 + 2 * A_ARI) / 3);
    assert.equal(seedStability([c(PRED)]), undefined);
  });

  test('the contingency of A’s and B’s clusters with the Hungarian matching, and a cell’s exact images', () => {
    const t = crossTable(c(PRED), c(TRUTH));
    assert.deepEqual(t.counts, [
      [2, 0, 0],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    assert.deepEqual(t.match, [0, 1, 2]);
    close(t.matchedShare, 6 / 8);
    assert.equal(t.n, 8);
    // A's cluster 1 that B put in 0: only c.png; A's 2 in B's 1: f.png.
    assert.deepEqual(cellImages(c(PRED), c(TRUTH), 1, 0), ['c.png']);
    assert.deepEqual(cellImages(c(PRED), c(TRUTH), 2, 1), ['f.png']);
    assert.deepEqual(cellImages(c(PRED), c(TRUTH), 0, 2), []);
  });
});

describe('suggested K', () => {
  test('by stability when seeds were repeated: the highest, the smaller K on a tie', () => {
    const s = suggestK([
      { k: 2, stability: 0.9 },
      { k: 3, stability: 0.95 },
      { k: 4, stability: 0.95 },
    ]);
    assert.deepEqual(s, { k: 3, by: 'stability', rule: K_RULES.stability });
  });

  test("none when fewer than two K have a stability (silhouettes, each in its own run's features, are not compared)", () => {
    assert.equal(suggestK([{ k: 2 }, { k: 3, stability: 0.9 }, { k: 5 }]), undefined);
    assert.equal(suggestK([{ k: 2 }, { k: 3 }]), undefined);
  });

  test('stability is chance-adjusted: random partitions agree near 0 at K = 2 and at K = 20, where their NMI grows with K', () => {
    const rng = new Rng(3);
    const random = (k: number) =>
      c(
        Array.from({ length: 400 }, () => rng.int(k)),
        Array.from({ length: 400 }, (_, i) => `${i}.png`),
      );
    const at = (k: number) => ({
      stability: seedStability([random(k), random(k), random(k)])!,
      nmi: agreementMatrices([random(k), random(k)]).nmi[0]![1]!,
    });
    const [k2, k20] = [at(2), at(20)];
    assert.ok(
      Math.abs(k2.stability) < 0.02 && Math.abs(k20.stability) < 0.02,
      `ARI ${k2.stability}, ${k20.stability}`,
    );
    assert.ok(k20.nmi > k2.nmi + 0.1, `NMI by chance: ${k2.nmi} at K = 2, ${k20.nmi} at K = 20`);
  });
});

function config(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    method: 'cc',
    data: '/d',
    clusters: 3,
    epochs: 2,
    imageSize: 28,
    channels: 1,
    backbone: 'small',
    batchSize: 32,
    seed: 1,
    backend: 'cpu',
    learningRate: 1e-3,
    evalEvery: 1,
    params: { temperature: 0.5 },
    ...over,
  };
}

function fakeRun(
  id: string,
  cfg: TrainConfig,
  clusters: number[],
  extra: {
    summary?: Partial<SummaryJson>;
    metrics?: Partial<MetricsRow>[];
    labels?: LabelsJson;
    confidence?: number[];
  } = {},
): CompareRun {
  const run: RunJson = {
    format: 'clusterlab-run',
    version: 1,
    id,
    method: cfg.method,
    config: cfg,
    dataset: { root: '/d', images: clusters.length, classes: [], superClasses: [] },
    backend: { name: 'cpu', threads: 1, skipped: [] },
    status: 'done',
    startedAt: '2026-01-01T00:00:00Z',
    epoch: cfg.epochs,
  };
  const rows = clusters.map((k, i) => ({
    path: P[i]!,
    cluster: k,
    confidence: extra.confidence?.[i] ?? 0.5,
  }));
  return {
    model: buildRunModel(`/runs/${id}`, run, rows, extra.labels ?? emptyLabels()),
    metrics: (extra.metrics ?? []) as MetricsRow[],
    ...(extra.summary
      ? {
          summary: {
            k: 3,
            n: clusters.length,
            epochs: cfg.epochs,
            seconds: 10,
            backend: 'cpu',
            sizes: [],
            skipped: [],
            ...extra.summary,
          },
        }
      : {}),
  };
}

describe('the runs table', () => {
  test('shows only the settings that differ (method parameters by name), never the seed', () => {
    assert.deepEqual(
      differingSettings([
        config(),
        config({ seed: 2, learningRate: 2e-3, params: { temperature: 1 } }),
        config({ seed: 3 }),
      ]),
      ['learningRate', 'temperature'],
    );
    assert.deepEqual(differingSettings([config(), config({ seed: 9 })]), []);
  });

  test('folds runs that differ only by seed into mean ± sd with their seed stability', () => {
    const runs = [
      fakeRun('s1', config({ seed: 1 }), PRED, { summary: { acc: 0.7 } }),
      fakeRun(
        's2',
        config({ seed: 2 }),
        PRED.map((k) => 2 - k),
        { summary: { acc: 0.8 } },
      ),
      fakeRun('lr', config({ learningRate: 0.01 }), TRUTH, { summary: { acc: 0.6 } }),
    ];
    const t = compareTable(runs);
    const keys = t.columns.map((x) => x.key);
    assert.deepEqual(keys, [
      'run',
      'method',
      'setting.0',
      'stability',
      'acc',
      'seed',
      'epochs',
      'seconds',
      'backend',
    ]);
    assert.equal(t.rows.length, 3);
    assert.equal(t.foldedRows?.length, 2);
    const folded = t.foldedRows![0]!;
    const cell = (key: string) => folded.cells[keys.indexOf(key)]!;
    assert.deepEqual(folded.dirs, ['/runs/s1', '/runs/s2']);
    assert.equal(cell('run').text, 's1 +1 seed');
    assert.equal(cell('seed').text, '1, 2');
    assert.equal(t.columns[2]!.label, 'learningRate');
    assert.equal(t.foldedRows![1]!.cells[2]!.text, '0.01');
    close(cell('acc').value, 0.75);
    close(cell('acc').sd, Math.sqrt(0.005), 'sample sd of 0.7, 0.8');
    assert.equal(cell('acc').text, '0.750 ± 0.071');
    close(cell('stability').value, 1, 'a relabelled copy agrees fully');
    assert.equal(
      t.foldedRows![1]!.cells[keys.indexOf('stability')]!.text,
      '',
      'a single run has no stability',
    );
    close(sd([1, 2, 3, 4]), Math.sqrt(5 / 3));
  });

  test('label-free columns come from summary.json, else the last metrics row that has them', () => {
    const t = compareTable([
      fakeRun('a', config(), PRED, {
        summary: {
          labelFree: {
            confidence: 0.9,
            clusterConfidence: [],
            balance: 0.8,
            knnConsistency: 0.7,
            silhouette: 0.2,
            silhouetteSample: 8,
          },
        },
      }),
      fakeRun('b', config({ seed: 5 }), PRED, {
        metrics: [{ epoch: 1, silhouette: 0.1 }, { epoch: 2, silhouette: 0.15 }, { epoch: 3 }],
      }),
    ]);
    const i = t.columns.findIndex((x) => x.key === 'silhouette');
    assert.deepEqual(
      t.rows.map((r) => r.cells[i]!.value),
      [0.2, 0.15],
    );
  });
});

describe('the compare page’s other parts', () => {
  test('overlay: each run’s metric over the union of epochs, null where it has no row', () => {
    const o = overlay([
      fakeRun('a', config(), PRED, {
        metrics: [
          { epoch: 1, loss: 3 },
          { epoch: 2, loss: 2 },
        ],
      }),
      fakeRun('b', config(), PRED, {
        metrics: [
          { epoch: 1, loss: 4 },
          { epoch: 3, loss: 1, acc: 0.5 },
        ],
      }),
    ]);
    assert.deepEqual(o.epochs, [1, 2, 3]);
    assert.deepEqual(o.metrics.find((m) => m.key === 'loss')!.values, [
      [3, 2, null],
      [4, null, 1],
    ]);
    assert.deepEqual(o.metrics.find((m) => m.key === 'acc')!.values, [
      [null, null, null],
      [null, null, 0.5],
    ]);
  });

  test('pair: B’s columns ordered so the matching runs down the diagonal', () => {
    const p = pairState(
      fakeRun('a', config(), PRED),
      fakeRun(
        'b',
        config(),
        TRUTH.map((k) => 2 - k),
      ),
    );
    assert.deepEqual(
      p.cols.map((x) => x.cluster),
      [2, 1, 0],
    );
    assert.deepEqual(p.match, [0, 1, 2]);
    assert.deepEqual(p.counts[0], [2, 0, 0]);
    assert.deepEqual(
      p.rows.map((r) => r.size),
      [2, 3, 3],
    );
  });

  test('K sweep: found only when runs differ in K (and seed) alone; suggested by stability over seeds', () => {
    const lf = (silhouette: number) => ({
      labelFree: {
        confidence: 0.9,
        clusterConfidence: [],
        balance: 1,
        knnConsistency: 0.5,
        silhouette,
        silhouetteSample: 8,
      },
    });
    const two = [0, 0, 0, 0, 1, 1, 1, 1];
    const runs = [
      fakeRun('k2a', config({ clusters: 2, seed: 1 }), two, { summary: lf(0.3) }),
      fakeRun('k2b', config({ clusters: 2, seed: 2 }), [0, 0, 0, 1, 1, 1, 1, 1], { summary: lf(0.3) }),
      fakeRun('k3a', config({ clusters: 3, seed: 1 }), PRED, { summary: lf(0.1) }),
      fakeRun('k3b', config({ clusters: 3, seed: 2 }), PRED, { summary: lf(0.1) }),
    ];
    const k = kSweep(runs)!;
    assert.deepEqual(
      k.points.map((p) => [p.k, p.runs]),
      [
        [2, 2],
        [3, 2],
      ],
    );
    close(k.points[1]!.scores.stability, 1);
    assert.ok(k.points[0]!.scores.stability! < 1);
    assert.equal(k.suggested, 3);
    assert.equal(k.rule, K_RULES.stability);
    assert.equal(
      kSweep([runs[0]!, fakeRun('lr', config({ clusters: 3, learningRate: 1 }), PRED)]),
      undefined,
    );
  });

  test('merges: live candidate pairs only, with each cluster’s most confident images', () => {
    const labels: LabelsJson = { ...emptyLabels(), merges: [{ from: 2, into: 0 }] };
    const run = fakeRun('m', config(), PRED, {
      labels,
      confidence: [0.1, 0.9, 0.3, 0.8, 0.5, 0.2, 0.2, 0.2],
      summary: {
        mergeCandidates: [
          { a: 0, b: 2, score: 0.9, count: 5 },
          { a: 0, b: 1, score: 0.5, count: 3 },
        ],
      },
    });
    const m = merges(run, true)!;
    assert.equal(m.pairs.length, 1, 'cluster 2 was merged away');
    assert.deepEqual([m.pairs[0]!.a, m.pairs[0]!.b], [0, 1]);
    // Cluster 0 holds a (0.1), b (0.9) and, merged from 2, f, g, h (0.2): most confident first, four shown.
    assert.deepEqual(m.pairs[0]!.samplesA, ['b.png', 'f.png', 'g.png', 'h.png']);
    assert.deepEqual(m.pairs[0]!.samplesB, ['d.png', 'e.png', 'c.png']);
    assert.match(merges(fakeRun('old', config(), PRED), false)!.note!, /no merge candidates/);
  });

  test('command arguments: a clicked item and the selection, a list of folders, or one folder', () => {
    assert.deepEqual(commandRunDirs([{ dir: '/r/a' }, [{ dir: '/r/a' }, { dir: '/r/b' }]]), ['/r/a', '/r/b']);
    assert.deepEqual(commandRunDirs([['/r/a', '/r/b', '/r/a']]), ['/r/a', '/r/b']);
    assert.deepEqual(commandRunDirs(['/r/a']), ['/r/a']);
    assert.deepEqual(commandRunDirs([]), []);
  });
});

describe('the table on the page', () => {
  const cols: CompareColumn[] = [
    { key: 'run', label: 'run', kind: 'text' },
    { key: 'seconds', label: 'time', kind: 'number', better: 'low' },
    { key: 'acc', label: 'ACC', kind: 'share', better: 'high' },
  ];
  const row = (run: string, seconds: number | undefined, acc: number): CompareRow => ({
    dirs: [run],
    cells: [
      { text: run },
      seconds === undefined ? { text: '' } : { text: String(seconds), value: seconds },
      { text: acc.toFixed(3), value: acc },
    ],
  });
  const rows = [row('b', 30, 0.5), row('a', undefined, 0.9), row('c', 10, 0.7)];

  test('sorts by a column, rows without a value last either way; marks each scored column’s best', () => {
    assert.deepEqual(
      sortRows(cols, rows, { key: 'seconds', desc: false }).map((r) => r.dirs[0]),
      ['c', 'b', 'a'],
    );
    assert.deepEqual(
      sortRows(cols, rows, { key: 'seconds', desc: true }).map((r) => r.dirs[0]),
      ['b', 'c', 'a'],
    );
    assert.deepEqual(
      sortRows(cols, rows, { key: 'run', desc: false }).map((r) => r.dirs[0]),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      bestRows(cols, rows).map((b) => [...b]),
      [[], [2], [1]],
    );
    // Ties are all marked; a column where every run scores the same marks none.
    const tied = [row('x', 10, 0.5), row('y', 10, 0.5), row('z', 20, 0.5)];
    assert.deepEqual(
      bestRows(cols, tied).map((b) => [...b]),
      [[], [0, 1], []],
    );
  });

  test('copies as Markdown (pipes escaped) and CSV (quoted)', () => {
    assert.equal(
      tableText(['run', 'x'], [['a|b', '1, 2']], 'markdown'),
      '| run | x |\n| --- | --- |\n| a\\|b | 1, 2 |\n',
    );
    assert.equal(tableText(['run', 'x'], [['a|b', '1, 2']], 'csv'), 'run,x\na|b,"1, 2"\n');
  });
});

test('the K suggestion says how sure it is: thin K and scores that favour another K (issue 30, friction)', async () => {
  const { kCaveat } = await import('../../webview/compare/sections.js');
  const point = (k: number, runs: number, scores: Record<string, number>) => ({ k, runs, scores });
  // The walk's case: K = 10 by seed stability from one seed pair, every other score for K = 5.
  const walk = {
    suggested: 10,
    rule: '',
    points: [
      point(5, 2, { stability: 0.408, silhouette: 0.2, knnConsistency: 0.8, confidence: 0.9 }),
      point(10, 2, { stability: 0.484, silhouette: 0.1, knnConsistency: 0.7, confidence: 0.8 }),
    ],
  };
  assert.equal(
    kCaveat(walk),
    'How sure: tentative — some K rest on only 2 runs (one seed pair), so its scores are rough; confidence favours K=5. More seeds per K firm it up.',
  );
  const firm = {
    suggested: 10,
    rule: '',
    points: [
      point(5, 4, { stability: 0.4, silhouette: 0.1 }),
      point(10, 4, { stability: 0.6, silhouette: 0.2 }),
    ],
  };
  assert.equal(kCaveat(firm), undefined);
});

describe('the verdict on runs A and B (issue 30, friction)', async () => {
  const { verdict } = await import('../../webview/compare/verdict.js');
  const keys = ['run', 'setting.0', 'confidence', 'balance', 'knnConsistency', 'acc'];
  const columns = keys.map((key) => ({
    key,
    label: key === 'setting.0' ? 'clusters' : key,
    kind: key === 'run' || key === 'setting.0' ? 'text' : 'share',
  })) as CompareColumn[];
  const line = (dir: string, k: number, [conf, bal, knn, acc]: (number | undefined)[]): CompareRow => ({
    dirs: [dir],
    cells: [
      { text: dir },
      { text: String(k) },
      ...[conf, bal, knn, acc].map((v) =>
        v === undefined ? { text: '' } : { text: v.toFixed(3), value: v },
      ),
    ],
  });
  const state = (a: (number | undefined)[], b: (number | undefined)[], more: object = {}): CompareState =>
    ({
      chosen: ['/a', '/b'],
      names: ['run-a', 'run-b'],
      columns,
      rows: [line('/a', 10, a), line('/b', 10, b)],
      pair: { a: '/a', b: '/b', shared: 300 },
      ...more,
    }) as unknown as CompareState;

  test('every comparable score one way: said plainly, with what it rests on', () => {
    const v = verdict(state([0.7, 0.8, 0.5, 0.6], [0.8, 0.9, 0.9, 0.7]))!;
    assert.equal(
      v.text,
      'B “run-b” is more confident and more balanced than A “run-a”; against the labels B is better (ACC 0.700 vs 0.600).',
    );
    // kNN consistency (0.9 vs 0.5) is each run's own feature space: named as not compared, never weighed.
    assert.deepEqual(v.caveats, [
      'Same images (300 both clustered).',
      'Under 0.01 apart (or within the seeds’ spread) counts as the same.',
      'kNN consistency and silhouette are not compared: each run measures them in its own features.',
    ]);
  });

  test('scores that disagree say so; labels against the label-free scores say so', () => {
    assert.match(
      verdict(state([0.7, 0.9, 0.5, 0.6], [0.8, 0.8, 0.5, 0.7]))!.text,
      /^B “run-b” is more confident but less balanced than A “run-a”: these scores disagree; against the labels B is better/,
    );
    assert.equal(
      verdict(state([0.7, 0.8, 0.5, 0.7], [0.8, 0.9, 0.5, 0.6]))!.text,
      'B “run-b” is more confident and more balanced than A “run-a”; against the labels B is worse (ACC 0.600 vs 0.700), the opposite of what the label-free scores say.',
    );
  });

  test('differences under 0.01, or within the seeds’ spread, are the same; no labels, no ACC', () => {
    assert.equal(
      verdict(state([0.7, 0.8, 0.5, undefined], [0.705, 0.802, 0.5, undefined]))!.text,
      'B “run-b” is about as confident and as balanced as A “run-a”.',
    );
    assert.equal(
      verdict(state([0.7, 0.8, 0.5, undefined], [0.75, 0.802, 0.5, undefined]))!.text,
      'B “run-b” is more confident than A “run-a” and about as balanced.',
    );
    // Run A has a second seed whose confidence spreads by 0.08: B's 0.05 more is within it.
    const folded = {
      foldedRows: [
        {
          dirs: ['/a', '/a2'],
          cells: [
            { text: '' },
            { text: '' },
            { text: '', value: 0.7, sd: 0.08 },
            { text: '', value: 0.8 },
            { text: '' },
            { text: '' },
          ],
        },
      ],
    };
    assert.equal(
      verdict(state([0.7, 0.8, 0.5, undefined], [0.75, 0.802, 0.5, undefined], folded))!.text,
      'B “run-b” is about as confident and as balanced as A “run-a”.',
    );
  });

  test('a different K or folder is said; one run or no scores give no verdict', () => {
    const st = state([0.7, 0.8, 0.5, 0.6], [0.8, 0.9, 0.5, 0.7]);
    st.rows[1]!.cells[1] = { text: '12' };
    assert.ok(verdict(st)!.caveats.includes('K differs (10 vs 12): confidence and balance shift with K.'));
    const single = state([0.7, 0.8, 0.5, 0.6], [0.8, 0.9, 0.5, 0.7]);
    delete single.pair;
    assert.equal(verdict(single), undefined);
    assert.equal(
      verdict(state([undefined, undefined, 0.5, undefined], [undefined, undefined, 0.9, undefined])),
      undefined,
    );
  });
});
