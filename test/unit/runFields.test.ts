/**
 * The run fields (src/common/runFields.ts) are one spec: every side that takes them (the protocol's
 * schema, validateConfig, the command line, experiment files, package.json's settings) follows it,
 * refuses the same values, and words the same refusal in its own names. No other file lists the
 * backend, backbone or status names, or keeps its own copy of a range or default.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseExperiment } from '../../src/common/experiment/parse.js';
import { TOP_FIELDS } from '../../src/common/experiment/fields.js';
import { METHOD_NAMES } from '../../src/common/methods/index.js';
import {
  BACKBONE_NAMES,
  BACKEND_CHOICES,
  checkRunField,
  COLOURS,
  fieldName,
  problemText,
  RUN_FIELD_NAMES,
  RUN_FIELDS,
  runField,
  type RunFieldName,
} from '../../src/common/runFields.js';
import { RUN_STATUSES } from '../../src/protocol/run.js';
import { check } from '../../src/protocol/schema.js';
import { trainConfigSchema } from '../../src/protocol/server.js';
import { usage } from '../../src/trainer/cli.js';
import {
  ConfigError,
  defaultConfig,
  extensionWords,
  fieldValue,
  validateConfig,
} from '../../src/trainer/run/config.js';
import {
  FIELDS_BEGIN,
  FIELDS_END,
  runFieldsMarkdown,
  withBlock,
  withMethodEnum,
} from '../../scripts/method-docs.js';

const NUMERIC = RUN_FIELD_NAMES.filter((n) => runField(n).type !== 'choice');

/** Just outside the range on each side, and the bounds themselves when they are allowed. */
function edges(n: RunFieldName): { bad: number[]; good: number[] } {
  const f = runField(n);
  const step = f.type === 'integer' ? 1 : 1e-9;
  return {
    bad: [
      f.exclusiveMin ? f.min! : f.min! - step,
      f.exclusiveMax ? f.max! : f.max! + step,
      ...(f.type === 'integer' ? [f.min! + 0.5] : []),
    ],
    good: [f.exclusiveMin ? f.min! + step : f.min!, f.exclusiveMax ? f.max! - step : f.max!],
  };
}

test('every field has a TrainConfig key that the defaults fill and the protocol schema types', () => {
  for (const m of METHOD_NAMES) {
    const c = defaultConfig(m, '/d');
    for (const n of RUN_FIELD_NAMES)
      assert.equal(checkRunField(n, fieldValue(c, n)), undefined, `${m}'s default ${n} is in its range`);
    assert.deepEqual(check(trainConfigSchema, c), c);
  }
  const c = defaultConfig('cc', '/d');
  assert.deepEqual(
    [c.clusters, c.imageSize, c.channels, c.backbone, c.seed, c.backend, c.evalEvery],
    [10, 32, 3, 'small', 42, 'auto', 1],
  );
  for (const n of RUN_FIELD_NAMES) {
    const key = runField(n).config;
    assert.throws(
      () => check(trainConfigSchema, { ...c, [key]: 'x'.repeat(5000) }),
      (e: Error) => e.message.startsWith(`${key}: expected`),
      `the schema types ${key}`,
    );
  }
  assert.throws(() => check(trainConfigSchema, { ...c, colour: 'rgb' }), /unexpected field "colour"/);
});

test('validateConfig refuses just outside each range and keeps the bounds, with a structured problem', () => {
  const base = defaultConfig('cc', '/d');
  for (const n of NUMERIC) {
    const key = runField(n).config;
    const { bad, good } = edges(n);
    for (const v of good) validateConfig({ ...base, [key]: v });
    for (const v of bad) {
      assert.throws(
        () => validateConfig({ ...base, [key]: v }),
        (e: Error) =>
          e instanceof ConfigError &&
          (e.problem as { field?: string })?.field === n &&
          (e.problem as { got?: unknown }).got === v,
        `${n} = ${v}`,
      );
    }
  }
  for (const n of ['backbone', 'backend'] as const) {
    assert.throws(
      () => validateConfig({ ...base, [n]: 'vgg' }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === `--${n} must be one of ${runField(n).choices!.join(', ')} (got vgg)`,
    );
  }
  assert.throws(
    () => validateConfig({ ...base, channels: 2 as 3 }),
    (e: Error) =>
      e instanceof ConfigError && e.message === '--grayscale must be one of rgb, grayscale (got 2)',
  );
});

test('each side words a problem in its own names: flags on the command line, words in the extension, keys in a file', () => {
  let error: unknown;
  try {
    validateConfig({ ...defaultConfig('cc', '/d'), imageSize: 2000 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.message, '--image-size must be a whole number from 8 to 1024 (got 2000)');
  assert.equal(extensionWords(error), 'image size must be a whole number from 8 to 1024 (got 2000)');
  assert.deepEqual(
    parseExperiment('data: d\nimageSize: 2000\nruns:\n  - method: cc\n', '/x/e.clusterlab.yaml').problems.map(
      (p) => p.message,
    ),
    ['imageSize must be a whole number from 8 to 1024 (got 2000)'],
  );
  // Names that are not run fields are the extension's too: no flag reaches it.
  assert.equal(
    extensionWords(new ConfigError({ option: 'features', what: '/m.onnx: no such file' })),
    'feature model /m.onnx: no such file',
  );
  for (const n of RUN_FIELD_NAMES) {
    const p = { field: n, range: 'x', got: 1 };
    assert.ok(problemText(p, 'cli').startsWith('--'));
    assert.ok(!problemText(p, 'extension').includes('--'));
  }
});

test('an experiment file refuses the same values as validateConfig, for every per-run and top field', () => {
  for (const n of RUN_FIELD_NAMES) {
    const f = runField(n);
    if (!f.file) continue;
    const key = f.file.key;
    assert.ok(TOP_FIELDS[key], `${key} is a key of the file`);
    assert.match(TOP_FIELDS[key]!.doc, /\(default/, `${key}'s doc gives its default`);
    const values = f.type === 'choice' ? { bad: ['nope'], good: f.choices! } : edges(n);
    for (const v of values.bad) {
      const messages = parseExperiment(
        `data: d\n${key}: ${v}\nruns:\n  - method: cc\n`,
        '/x/e.clusterlab.yaml',
      ).problems.map((p) => p.message);
      assert.equal(messages.length, 1, `${key}: ${v} is refused`);
      assert.ok(
        messages[0]!.startsWith(`${key} must be ${f.type === 'choice' ? 'one of' : 'a'}`),
        messages[0],
      );
    }
    for (const v of values.good)
      assert.deepEqual(
        parseExperiment(`data: d\n${key}: ${v}\nruns:\n  - method: cc\n`, '/x/e.clusterlab.yaml').problems,
        [],
        `${key}: ${v}`,
      );
  }
  // A file's run gets every field's default that the file does not give.
  const run = parseExperiment('data: d\nruns:\n  - method: scan\n', '/x/e.clusterlab.yaml').runs[0]!;
  assert.deepEqual(run.config, { ...defaultConfig('scan', '/x/d'), backend: 'auto' });
});

test('clusterlab help lists every field with its flag, range and default', () => {
  const help = usage();
  for (const n of RUN_FIELD_NAMES) {
    const f = runField(n);
    assert.ok(help.includes(`[--${f.flag}`), `--${f.flag} in the synopsis`);
    const line = help.split('\n').find((l) => l.startsWith(`  --${f.flag} `));
    assert.ok(line, `--${f.flag} has a line`);
    assert.ok(line.includes(f.doc), `${n}'s doc`);
  }
});

test("package.json's run-field settings are the spec's, and a drifted copy is caught", () => {
  const text = readFileSync('package.json', 'utf8');
  assert.equal(
    withMethodEnum(text),
    text,
    'package.json is out of date with src/common/runFields.ts: run npm run method-docs',
  );
  const props = JSON.parse(text).contributes.configuration.properties;
  assert.deepEqual(props['clusterlab.backend'].enum, BACKEND_CHOICES);
  assert.equal(props['clusterlab.backend'].default, RUN_FIELDS.backend.default);
  assert.deepEqual(
    [
      props['clusterlab.imageSize'].default,
      props['clusterlab.imageSize'].minimum,
      props['clusterlab.imageSize'].maximum,
    ],
    [32, 8, 1024],
  );
  assert.equal(props['clusterlab.batchSize'].maximum, RUN_FIELDS.batch.max);
  // The check above fails when package.json drifts: each edit is undone by npm run method-docs.
  const drifted = (edit: (p: Record<string, Record<string, unknown>>) => void) => {
    const pkg = JSON.parse(text);
    edit(pkg.contributes.configuration.properties);
    return JSON.stringify(pkg, null, 2) + '\n';
  };
  for (const edit of [
    (p: Record<string, Record<string, unknown>>) => (p['clusterlab.imageSize']!.maximum = 2048),
    (p: Record<string, Record<string, unknown>>) => (p['clusterlab.backend']!.enum = ['auto', 'wasm', 'cpu']),
    (p: Record<string, Record<string, unknown>>) => (p['clusterlab.batchSize']!.default = 64),
  ]) {
    const bad = drifted(edit);
    assert.notEqual(bad, text);
    assert.equal(withMethodEnum(bad), text);
  }
});

test("the README's run-fields table is the spec's (npm run method-docs rewrites it)", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(
    withBlock(readme, runFieldsMarkdown(), FIELDS_BEGIN, FIELDS_END),
    readme,
    'README.md is out of date with src/common/runFields.ts: run npm run method-docs',
  );
  for (const n of RUN_FIELD_NAMES)
    assert.ok(readme.includes(`| ${runField(n).label} | \`--${runField(n).flag}`), `README lists ${n}`);
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs)$/.test(n) ? [p] : [];
  });
}

/** `count` of the names next to each other, as a list or a union writes them: `'small', 'resnet18'`, `small|resnet18`. */
function listed(names: readonly string[], count = 2): RegExp {
  const name = `['"]?(?:${names.join('|')})['"]?`;
  return new RegExp(`(?<![\\w-])${name}(?:\\s*[,|]\\s*${name}){${count - 1}}(?![\\w-])`);
}

test('no other source file lists the backend, backbone, colour or status names, or the image-size range', () => {
  const files = ['src', 'webview', 'scripts'].flatMap(sources);
  assert.ok(files.length > 50, 'the walk found the sources');
  const lists: [string, RegExp, string][] = [
    ['backend names', listed(BACKEND_CHOICES), 'src/common/runFields.ts'],
    ['backbone names', listed(BACKBONE_NAMES), 'src/common/runFields.ts'],
    ['colours', listed(COLOURS), 'src/common/runFields.ts'],
    // Subsets are other things (a sweep's states, the statuses a run resumes from): four or more is a copy.
    ['run statuses', listed(RUN_STATUSES, 4), 'src/protocol/run.ts'],
    ['the image-size range', /\b8, 1024\b|min: 8,\s*max: 1024/, 'src/common/runFields.ts'],
  ];
  for (const [what, pattern, home] of lists) {
    const found = files.filter((f) => pattern.test(readFileSync(f, 'utf8')));
    assert.deepEqual(found, [home], `${what} are listed only in ${home}`);
  }
  assert.equal(fieldName('imageSize', 'file'), 'imageSize');
});
