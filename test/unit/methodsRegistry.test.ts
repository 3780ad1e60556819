/**
 * Adding a method is its spec (src/common/methods/<name>.ts), its trainer (src/trainer/methods) and
 * a line in each index. This walks every place a method name is listed and checks each lists
 * exactly METHOD_NAMES, read from the spec rather than kept by hand.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METHOD_NAMES, METHOD_SPECS } from '../../src/common/methods/index.js';
import { check } from '../../src/protocol/schema.js';
import { defaultsParams, trainConfigSchema } from '../../src/protocol/server.js';
import { usage } from '../../src/trainer/cli.js';
import { TRAINERS } from '../../src/trainer/methods/index.js';
import { defaultConfig, validateConfig } from '../../src/trainer/run/config.js';
import { parseRunJson } from '../../src/common/runJson.js';
import { settingsMarkdown, withBlock, withMethodEnum } from '../../scripts/method-docs.js';

const names = [...METHOD_NAMES];

test('the spec index and the trainer registry list the same methods', () => {
  assert.deepEqual(Object.keys(METHOD_SPECS), names);
  assert.deepEqual(Object.keys(TRAINERS), names);
  for (const m of names) assert.equal(METHOD_SPECS[m].name, m);
});

test("package.json's clusterlab.defaultMethod enum is the method names with the specs' labels and descriptions", () => {
  const text = readFileSync('package.json', 'utf8');
  assert.equal(
    withMethodEnum(text),
    text,
    'package.json is out of date with src/common/methods: run npm run method-docs',
  );
  const pkg = JSON.parse(text);
  const setting = pkg.contributes.configuration.properties['clusterlab.defaultMethod'];
  assert.deepEqual(setting.enum, names);
  assert.deepEqual(
    setting.enumDescriptions,
    names.map((m) => `${METHOD_SPECS[m].label}: ${METHOD_SPECS[m].description}`),
  );
  assert.ok(names.includes(setting.default));
});

test("the README's method and settings tables are the specs' (npm run method-docs rewrites them)", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(
    withBlock(readme, settingsMarkdown()),
    readme,
    'README.md is out of date with src/common/methods: run npm run method-docs',
  );
  const methodsTable = settingsMarkdown()
    .split('\n')
    .filter((l) => /^\| `[a-z]+` \| [^`]/.test(l));
  assert.deepEqual(
    methodsTable.map((l) => /^\| `([a-z]+)`/.exec(l)![1]),
    names,
  );
  for (const m of names) {
    for (const key of Object.keys(METHOD_SPECS[m].settings))
      assert.ok(readme.includes(`| \`${key}\` |`), `README lists ${m}'s ${key}`);
  }
});

test('clusterlab help lists every method and exactly its settings', () => {
  const help = usage();
  assert.match(help, new RegExp(`--method ${names.join('\\|')} `));
  const sections = help
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l) && !l.startsWith('  clusterlab') && !l.startsWith('  --'));
  assert.deepEqual(
    sections.map((l) => l.trim().split(' ')[0]),
    names,
  );
  for (const m of names) {
    const start = help.indexOf(`\n  ${m} (`);
    const section = help
      .slice(start + 1)
      .split('\n')
      .slice(1);
    const end = section.findIndex((l) => !l.startsWith('    '));
    const keys = section.slice(0, end < 0 ? undefined : end).map((l) => l.trim().split('=')[0]);
    assert.deepEqual(keys, Object.keys(METHOD_SPECS[m].settings), `${m}'s settings in the help`);
  }
});

test('the protocol, the trainer and the run store accept exactly these methods', () => {
  for (const m of names) {
    const c = defaultConfig(m, '/d');
    assert.equal(check(trainConfigSchema, c).method, m);
    assert.equal(check(defaultsParams, { method: m, data: '/d' }).method, m);
    validateConfig(c);
    const run = {
      format: 'clusterlab-run',
      version: 1,
      id: 'x',
      method: m,
      status: 'done',
      epoch: 1,
      startedAt: 'now',
      config: c,
      dataset: { root: '/d', images: 0, classes: [], superClasses: [] },
      backend: { name: 'cpu', threads: 1, skipped: [] },
    };
    assert.equal(parseRunJson(JSON.stringify(run), 'run.json').method, m);
  }
  assert.throws(
    () => check(defaultsParams, { method: 'spectral', data: '/d' }),
    new RegExp(`expected one of ${names.join(', ')}`),
  );
  assert.throws(
    () => validateConfig({ ...defaultConfig('cc', '/d'), method: 'spectral' as 'cc' }),
    new RegExp(`--method must be one of ${names.join(', ')} \\(got spectral\\)`),
  );
  assert.throws(
    () => parseRunJson(JSON.stringify({ format: 'clusterlab-run', id: 'x', method: 'spectral' }), 'run.json'),
    /method: expected one of/,
  );
});

/**
 * Files allowed to name more than one method: the two indexes (checked above), and the quality
 * bench's measured bars (a method without a bar is benchmarked as a baseline).
 */
const MAY_NAME_METHODS = new Set([
  'src/common/methods/index.ts',
  'src/trainer/methods/index.ts',
  'bench/quality.ts',
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs)$/.test(n) ? [p] : [];
  });
}

test('no other source file keeps its own list of method names', () => {
  const files = ['src', 'webview', 'bench', 'scripts'].flatMap(sources);
  assert.ok(files.length > 50, 'the walk found the sources');
  const quoted = new RegExp(`['"\`](${names.join('|')})['"\`]|\\b(${names.join('|')}):`, 'g');
  const listing = files.filter(
    (f) =>
      !MAY_NAME_METHODS.has(f) &&
      new Set([...readFileSync(f, 'utf8').matchAll(quoted)].map((m) => m[1] ?? m[2])).size > 1,
  );
  assert.deepEqual(listing, [], 'these name several methods: read METHOD_NAMES / METHOD_SPECS instead');
});

/**
 * A method's knowledge (its stages, columns, warnings) is in its registry entry: outside the two
 * methods folders no source compares a method's name or a phase with a literal. The exception:
 * the CLI's epoch line leaves out 'train', the phase of every method without stages.
 */
const MAY_TEST_PHASE = new Set(['src/trainer/progress.ts']);

test("no source outside the methods' folders tests a method's name or a phase", () => {
  const files = ['src', 'webview', 'scripts']
    .flatMap(sources)
    .filter((f) => !/^src\/(trainer|common)\/methods\//.test(f) && !MAY_TEST_PHASE.has(f));
  // A phase is a method's name (kmeans, temi), a spec's stage, or 'train' (methods without stages).
  const phases = new Set([
    ...names,
    ...names.flatMap((m) => (METHOD_SPECS[m].stages ?? []).map((s) => s.phase)),
    'train',
  ]);
  const literal = `['"\`](${[...phases].join('|')})['"\`]`;
  const compares = new RegExp(
    `\\b(method|phase|stage)\\s*[!=]==?\\s*${literal}|${literal}\\s*[!=]==?\\s*[\\w.]*\\b(method|phase|stage)\\b`,
  );
  const testing = files.filter((f) => compares.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    testing,
    [],
    "these test a method's name or a phase: put what they know in the method's spec (src/common/methods)",
  );
  // The rule bites: the test it replaced is caught.
  assert.ok(
    compares.test("metrics.some((r) => r.phase === 'selflabel')") &&
      compares.test("if (config.method !== 'scan') return [];"),
  );
});
