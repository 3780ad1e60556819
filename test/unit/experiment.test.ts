import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkDataset } from '../../src/common/experiment/dataset.js';
import { parseExperiment } from '../../src/common/experiment/parse.js';
import { experimentRunDir, runDirInside } from '../../src/common/runPlace.js';

const FILE = '/data/exp/sweep.clusterlab.yaml';
const parse = (text: string) => parseExperiment(text, FILE);
/** Each problem as "the text it points at: message". */
const problems = (text: string) =>
  parse(text).problems.map((p) => `${text.slice(p.span.start, p.span.end)}: ${p.message}`);

test('a list of runs takes the file shared values, then the method defaults', () => {
  const exp = parse(
    'data: images\nimageSize: 28\ncolor: grayscale\nepochs: 3\nruns:\n  - method: cc\n    settings: { cropMin: 0.2 }\n  - method: scan\n    name: long\n    epochs: 9\n    clusters: 20\n',
  );
  assert.deepEqual(exp.problems, []);
  assert.equal(exp.name, 'sweep');
  assert.equal(exp.data, '/data/exp/images');
  assert.deepEqual(
    exp.runs.map((r) => r.name),
    ['cc-1', 'long'],
  );
  const [cc, scan] = exp.runs.map((r) => r.config);
  assert.deepEqual(
    [cc!.epochs, cc!.imageSize, cc!.channels, cc!.clusters, cc!.batchSize, cc!.learningRate],
    [3, 28, 1, 10, 128, 1e-3],
  );
  assert.deepEqual(cc!.params, { cropMin: 0.2 });
  // Only what the file writes goes to the run: SCAN derives its stage lengths from epochs itself.
  assert.deepEqual([scan!.epochs, scan!.clusters, scan!.batchSize, scan!.method], [9, 20, 256, 'scan']);
  assert.deepEqual(scan!.params, {});
});

test('a grid expands methods x clusters x seeds x setting values, a setting varying only its methods', () => {
  const exp = parse(
    'data: d\ngrid:\n  methods: [cc, deepcluster]\n  clusters: [5, 10]\n  seeds: 7\n  epochs: 2\n  settings:\n    cropMin: [0.1, 0.2]\n',
  );
  assert.deepEqual(exp.problems, []);
  assert.deepEqual(
    exp.runs.map((r) => r.name),
    [
      'cc-k5-cropMin0.1',
      'cc-k5-cropMin0.2',
      'cc-k10-cropMin0.1',
      'cc-k10-cropMin0.2',
      'deepcluster-k5',
      'deepcluster-k10',
    ],
  );
  assert.ok(exp.runs.every((r) => r.config.seed === 7 && r.config.epochs === 2));
  assert.deepEqual(exp.runs[1]!.config.params, { cropMin: 0.2 });
  assert.deepEqual(exp.runs[4]!.config.params, {});
});

test('mistakes point at their text and name the nearest known name or the range', () => {
  const text =
    'data: d\nimageSize: 9000\nepocs: 3\nruns:\n  - method: scna\n  - method: scan\n    settings:\n      entropyWeigth: 3\n      threshold: 4\n      headOnly: yes\ngrid:\n  methods: [deepcluster]\n  settings:\n    balance: [uniform, weird]\n    cropMin: 0.2\n';
  // Setting messages are the method specs' (checkSetting): checked here for what they must name.
  const found = problems(text);
  assert.deepEqual(found.slice(0, 4), [
    '9000: imageSize must be a whole number from 8 to 1024 (got 9000)',
    "epocs: unknown key 'epocs' at the top of an experiment; did you mean 'epochs'?",
    "scna: unknown method 'scna'; did you mean 'scan'?",
    "entropyWeigth: unknown setting 'entropyWeigth' for scan; did you mean 'entropyWeight'?",
  ]);
  assert.match(found[4]!, /^4: .*threshold.*0.*1/);
  assert.match(found[5]!, /^yes: .*headOnly/);
  assert.match(found[6]!, /^weird: .*balance.*uniform.*weighted/);
  assert.equal(found[7], "cropMin: unknown setting 'cropMin' for deepcluster");
  assert.equal(found.length, 8);
  // The runs that are fine still expand.
  assert.deepEqual(
    parse(text).runs.map((r) => r.name),
    ['scan-1', 'deepcluster'],
  );
});

test('missing data, nothing to run, duplicate names and too many runs are refused', () => {
  assert.deepEqual(
    parse('epochs: 2\n').problems.map((p) => p.message),
    [
      'data is missing: the image folder, relative to this file',
      'nothing to run: add runs (a list) or a grid',
    ],
  );
  assert.match(
    parse('data: d\nruns:\n  - method: cc\n    name: a\n  - method: scan\n    name: a\n').problems[0]!
      .message,
    /two runs are named 'a'/,
  );
  const big = parse(
    'data: d\ngrid:\n  methods: [cc, scan, deepcluster]\n  seeds: [1, 2, 3, 4, 5, 6]\n  clusters: [2, 3, 4, 5, 6, 7]\n',
  );
  assert.match(big.problems[0]!.message, /expands to 108 runs, more than maxRuns \(100\)/);
  assert.equal(big.runs.length, 0);
  assert.deepEqual(
    parse(
      'data: d\nmaxRuns: 200\ngrid:\n  methods: [cc, scan, deepcluster]\n  seeds: [1, 2, 3, 4, 5, 6]\n  clusters: [2, 3, 4, 5, 6, 7]\n',
    ).problems,
    [],
  );
  assert.ok(
    parse('data: [d\n').problems.some((p) => /flow sequence/i.test(p.message)),
    'a YAML syntax error is reported',
  );
});

test('the dataset checks: a missing folder, and more clusters than images at the value that asks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-exp-'));
  mkdirSync(join(dir, 'imgs'));
  const text = 'data: imgs\nclusters: 4\nruns:\n  - method: cc\n  - method: cc\n    clusters: 50\n';
  const exp = parseExperiment(text, join(dir, 'x.clusterlab.yaml'));
  const counted: string[] = [];
  const found = await checkDataset(exp, async (d) => (counted.push(d), 12));
  assert.deepEqual(counted, [join(dir, 'imgs')]);
  assert.deepEqual(
    found.map((p) => `${text.slice(p.span.start, p.span.end)}: ${p.message}`),
    [`50: 50 clusters but ${join(dir, 'imgs')} has only 12 images`],
  );
  const missing = parseExperiment(text.replace('imgs', 'nope'), join(dir, 'x.clusterlab.yaml'));
  assert.match((await checkDataset(missing, async () => 12))[0]!.message, /nope does not exist/);
  writeFileSync(join(dir, 'file'), '');
  assert.match(
    (
      await checkDataset(
        parseExperiment(text.replace('imgs', 'file'), join(dir, 'x.clusterlab.yaml')),
        async () => 12,
      )
    )[0]!.message,
    /is a file, not a folder/,
  );
});

test('the sample experiment is valid and expands to the 3-run sweep the e2e trains', () => {
  const file = join(process.cwd(), 'sample', 'fashion.clusterlab.yaml');
  const exp = parseExperiment(readFileSync(file, 'utf8'), file);
  assert.deepEqual(exp.problems, []);
  assert.equal(exp.runs.length, 3);
});

test("the README's complete example is a valid experiment of 13 runs", () => {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const example = /```yaml\n(name: fashion-sweep[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'the README has the example');
  const exp = parseExperiment(example, '/x/e.clusterlab.yaml');
  assert.deepEqual(exp.problems, []);
  assert.equal(exp.runs.length, 13);
  assert.deepEqual(
    [exp.runs[1]!.name, exp.runs.at(-1)!.name],
    ['cc-k10-s1-cropMin0.08', 'deepcluster-k20-s2'],
  );
});

// Issue 26: hostile experiment files (each test fails on adfa14c).

test('a run name that is a path, or holds control or bidi characters, is refused where it is written (finding 1)', () => {
  const names = [
    'a/../../../../../../../tmp/ESCAPED',
    'a\\\\b',
    '..',
    'nul\\0x',
    'two\\nlines',
    'rtl\\u202eexe.txt',
    'x'.repeat(121),
  ];
  for (const n of names) {
    const text = `data: d\nruns:\n  - method: cc\n    name: "${n}"\n`;
    const exp = parse(text);
    assert.equal(exp.runs.length, 0, n);
    assert.equal(exp.problems.length, 1, `${n}: ${JSON.stringify(exp.problems)}`);
    const p = exp.problems[0]!;
    assert.equal(text.slice(p.span.start, p.span.end), `"${n}"`, n);
    assert.match(
      p.message,
      /^a run name (may hold only letters, digits, '\.', '_' and '-'|cannot be only dots|is 121 characters long; at most 120) \(it names run folders; got '/,
      n,
    );
    assert.doesNotMatch(p.message, /[\0\n\u202e]/, 'control and bidi characters are shown escaped');
  }
  assert.match(
    problems('data: d\nname: "x\\u202e"\nruns:\n  - method: cc\n')[0]!,
    /^"x\\u202e": name may hold only .*got 'x\\u202e'\)$/,
  );
  // Without name:, the file's own name is made fit for folder names.
  assert.equal(
    parseExperiment('data: d\nruns:\n  - method: cc\n', '/x/my sweep (2).clusterlab.yaml').name,
    'my-sweep-2-',
  );
});

test('a grid of 10^7 runs is counted from its axes and refused without being expanded (finding 2)', () => {
  const list = (n: number, f: (i: number) => number) =>
    `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;
  const tenths = list(10, (i) => (i + 1) / 10);
  const text = `data: d\ngrid:\n  methods: [cc]\n  clusters: ${list(10, (i) => i + 2)}\n  seeds: ${list(100, (i) => i)}\n  settings:\n${['cropMin', 'blur', 'instanceTemperature', 'clusterTemperature'].map((k) => `    ${k}: ${tenths}`).join('\n')}\n`;
  assert.ok(text.length < 1500, `${text.length} characters`);
  const exp = parse(text);
  assert.deepEqual(
    exp.problems.map((p) => p.message),
    ['this experiment expands to 10000000 runs, more than maxRuns (100): narrow the grid, or raise maxRuns'],
  );
  assert.deepEqual([exp.expandsTo, exp.runs.length], [10_000_000, 0]);
});

test('a file over the size cap is refused before it is parsed; values in messages are cut to 80 characters (findings 4, 5)', () => {
  const big = parse(`data: d\nruns:\n${'  - method: cc\n'.repeat(20_000)}`);
  assert.deepEqual(
    big.problems.map((p) => p.message),
    ['this file is 300014 characters long, more than the 65536 an experiment file may be'],
  );
  const key = 'k'.repeat(50_000);
  const messages = parse(
    `data: d\n? ${key}\n: 1\nlr: "${'9'.repeat(5000)}"\nruns:\n  - method: cc\n`,
  ).problems.map((p) => p.message);
  assert.equal(messages.length, 2, messages.join('\n'));
  assert.equal(
    messages[0],
    `unknown key '${'k'.repeat(80)}… (50000 characters)' at the top of an experiment`,
  );
  assert.equal(
    messages[1],
    `lr must be a number above 0 and below 10 (got '${'9'.repeat(80)}… (5000 characters)')`,
  );
});

test('settings given twice, quoted numbers, and aliases for runs get accurate messages (finding 13)', () => {
  assert.deepEqual(
    problems('data: d\nruns:\n  - method: cc\n    settings:\n      cropMin: 0.2\n      cropMin: 0.5\n'),
    ["cropMin: 'cropMin' is given twice in settings"],
  );
  assert.deepEqual(
    problems('data: d\ngrid:\n  methods: [cc]\n  settings:\n    blur: 0.1\n    blur: [0.2, 0.3]\n'),
    ["blur: 'blur' is given twice in the grid's settings"],
  );
  assert.deepEqual(problems('data: d\nruns:\n  - method: cc\n    settings:\n      cropMin: "0.2"\n'), [
    `"0.2": cc setting cropMin must be a number from 0.01 to 1 (got '0.2', a string: write it without quotes)`,
  ]);
  assert.deepEqual(problems('data: d\ngrid:\n  methods: [cc]\n  settings:\n    cropMin: [0.2, "0.3"]\n'), [
    `"0.3": cc setting cropMin must be a number from 0.01 to 1 (got '0.3', a string: write it without quotes)`,
  ]);
  assert.deepEqual(problems('data: d\nlr: "0.1"\nruns:\n  - method: cc\n'), [
    `"0.1": lr must be a number above 0 and below 10 (got '0.1')`,
  ]);
  assert.deepEqual(problems('data: d\nruns: [*r, *r]\n'), [
    '*r: a run cannot be an alias (*r): aliases are not followed in experiment files; write each run out',
    '*r: a run cannot be an alias (*r): aliases are not followed in experiment files; write each run out',
  ]);
});

test('one YAML syntax error is one problem, not one per token after it (issue 30, bug 6)', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i).join(', ');
  const found = problems(`name: x\ndata: d\ngrid:\n  methods: [cc]]\n  seeds: [${seeds}]\n  epochs:: 3\n`);
  assert.deepEqual(found, [']: Unexpected flow-seq-end token in YAML stream: "]"']);
});

test('a grid whose run names grow past the limit is one problem at the grid, not one per run', () => {
  const long = Array.from({ length: 4 }, () => '0.123456789012345').join(', ');
  const text = `data: d\nmaxRuns: 1000\ngrid:\n  methods: [cc]\n  settings:\n    cropMin: [${long.replace(/0\.1/g, '0.2')}]\n    blur: [${long}]\n    instanceTemperature: [${long}]\n    clusterTemperature: [${long}]\n    schedule: [cosine, constant]\n`;
  const found = parse(text).problems.map((p) => p.message);
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(
    found[0]!,
    /^a run name is 1\d\d characters long; at most 120 \(it names run folders; got 'cc-cropMin0\.2/,
  );
});

test('run folders: always <runs>/<experiment>-<run>; a requested folder only directly inside the runs folder', () => {
  assert.equal(
    experimentRunDir('/r', 'e'.repeat(120), 'x'.repeat(120)),
    `/r/${'e'.repeat(120)}-${'x'.repeat(120)}`,
  );
  assert.throws(() => experimentRunDir('/r', 'e', '../x'), /^Error: the run name may hold only letters/);
  assert.equal(
    runDirInside('/r', `/r/${'e'.repeat(120)}-${'x'.repeat(120)}`),
    `/r/${'e'.repeat(120)}-${'x'.repeat(120)}`,
  );
  for (const bad of ['/r', '/r/a/b', '/r/../x', '/x', '/r/..', '/r/a\nb'])
    assert.throws(() => runDirInside('/r', bad), /is not a folder directly inside the runs folder \/r$/, bad);
  assert.equal(parseExperiment('data: d\nruns:\n  - method: cc\n', '/x/.clusterlab.yaml').name, 'experiment');
});
