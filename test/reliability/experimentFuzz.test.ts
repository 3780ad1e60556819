import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { parseExperiment } from '../../src/common/experiment/parse.js';
import { makeHarness, startCli, type CliResult } from '../trainer/harness.js';
import { inParallel } from './inParallel.js';

/**
 * Issue 26: generated hostile experiment files (seeded: CLUSTERLAB_FUZZ_SEED replays a failure).
 * Through the real CLI (a small heap, its peak memory measured): one line per problem, no stack
 * trace, never hung or out of memory; the few that pass are trained, and nothing is written
 * outside the runs folder. Many more through the parser alone: no throw, short one-line messages.
 */
const SEED = Number(process.env.CLUSTERLAB_FUZZ_SEED ?? 26);
const CLI_FILES = 12;
const PARSED_FILES = 200;
const { tmp, data, cache } = makeHarness(2);
const runs = join(tmp, 'work', 'runs');
const MARK = `ESCAPED${process.pid}`;
const HOOKS = join(process.cwd(), 'test', 'reliability', 'hooks');

/** mulberry32: a small seeded generator, so a failing file can be made again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const yes = (p: number) => rnd() < p;
  const names = [
    'ok',
    `a/../../../${MARK}`,
    `../../${MARK}`,
    `/tmp/${MARK}`,
    '"nul\\0x"',
    '"two\\nlines"',
    '"rtl\\u202egpj.exe"',
    'x'.repeat(3000),
    '..',
    '.',
    '""',
    'ünï',
    'a b',
    '~',
    `"$(touch ${MARK})"`,
    'cc-1',
  ];
  const values = [
    '1',
    '0',
    '-1',
    '2',
    '10',
    '1e308',
    '.nan',
    '.inf',
    '-.inf',
    '"0.1"',
    '1e-400',
    '0x10',
    'true',
    'null',
    '~',
    '[1, 2]',
    '{a: 1}',
    '*a',
    '&a 3',
    '!!binary aGk=',
    'x'.repeat(int(2) ? 50 : 20_000),
    '0.5',
    '[]',
    '3.7',
  ];
  const settingKeys = [
    'cropMin',
    'blur',
    'instanceTemperature',
    'schedule',
    'entropyWeight',
    'threshold',
    'balance',
    'cropMin',
    '__proto__',
    'constructor',
    'cropMni',
    'k'.repeat(2000),
  ];
  const topKeys = [
    'imageSize',
    'color',
    'backbone',
    'backend',
    'maxRuns',
    'clusters',
    'seed',
    'lr',
    '__proto__',
    'toString',
    'epocs',
  ];
  const methods = ['cc', 'scan', 'deepcluster', 'spectral', '"cc"', '[cc]', '*m'];
  const list = (n: number, item: () => string) => `[${Array.from({ length: n }, item).join(', ')}]`;
  const run = () => {
    const lines = [`  - method: ${pick(methods)}`];
    if (yes(0.6)) lines.push(`    name: ${pick(names)}`);
    if (yes(0.3)) lines.push(`    clusters: ${pick(values)}`);
    if (yes(0.3)) lines.push(`    seed: ${pick(values)}`);
    if (yes(0.4))
      lines.push(
        '    settings:',
        ...Array.from({ length: 1 + int(3) }, () => `      ${pick(settingKeys)}: ${pick(values)}`),
      );
    return lines.join('\n');
  };
  const grid = () => {
    const lines = ['grid:', `  methods: ${yes(0.8) ? list(1 + int(3), () => pick(methods)) : pick(methods)}`];
    const axis = () =>
      yes(0.2)
        ? list(1 + int(2000), () => String(int(100_000)))
        : yes(0.5)
          ? list(1 + int(4), () => pick(values))
          : pick(values);
    if (yes(0.6)) lines.push(`  clusters: ${axis()}`);
    if (yes(0.6)) lines.push(`  seeds: ${axis()}`);
    if (yes(0.5))
      lines.push(
        '  settings:',
        ...Array.from({ length: 1 + int(5) }, () => `    ${pick(settingKeys)}: ${axis()}`),
      );
    return lines.join('\n');
  };
  const mutations: ((t: string) => string)[] = [
    (t) => t.slice(0, int(t.length)),
    (t) => {
      const at = int(t.length);
      return (
        t.slice(0, at) +
        pick([
          ':',
          '[',
          ']',
          '{',
          '}',
          '&a ',
          '*a',
          '\t',
          '\n---\n',
          '%YAML 1.1\n',
          '\uFEFF',
          '"',
          "'",
          '? ',
          '- ',
          '\0',
          '\u202e',
          '#',
        ]) +
        t.slice(at)
      );
    },
    (t) => {
      const lines = t.split('\n');
      const i = int(lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    },
    (t) =>
      `${t}\nbomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${Array.from({ length: 9 }, (_, i) => `bomb${i + 1}: &b${i + 1} [${Array(9).fill(`*b${i}`).join(', ')}]`).join('\n')}\n`,
    (t) => `${t}\nnested: ${'['.repeat(2000 + int(20_000))}`,
    (t) => `${t}\n# ${'x'.repeat(yes(0.5) ? 300_000 : 100_000)}\n`,
    (t) =>
      t.replace(
        /^data: .*$/m,
        `data: ${pick(['/dev/zero', '/etc', '../../..', '"\\0"', `${data}/bags/bag/broken.png`, '[a]'])}`,
      ),
    (t) => `? ${'k'.repeat(int(2) ? 100 : 150_000)}\n: 1\n${t}`,
  ];
  // A quarter are well-formed (a run or two, a small grid), so some pass and are trained.
  const clean = (): string => {
    const lines = [
      'runs:',
      ...Array.from(
        { length: 1 + int(2) },
        (_, i) => `  - method: cc\n    name: r${i}${yes(0.5) ? '\n    settings:\n      cropMin: 0.5' : ''}`,
      ),
    ];
    if (yes(0.3)) lines.push('grid:', '  methods: [cc]', `  seeds: [${1 + int(5)}, ${10 + int(5)}]`);
    return lines.join('\n');
  };
  return (): string => {
    const lines = [
      `data: ${data}`,
      'imageSize: 8',
      'color: grayscale',
      'epochs: 1',
      'batch: 16',
      'backend: wasm',
    ];
    if (yes(0.25)) return `${lines.join('\n')}\nclusters: 2\n${clean()}\n`;
    if (yes(0.5)) lines.push(`name: ${pick(names)}`);
    if (yes(0.4)) lines.push(`${pick(topKeys)}: ${pick(values)}`);
    if (yes(0.7)) lines.push('runs:', ...Array.from({ length: 1 + int(3) }, run));
    if (yes(0.5)) lines.push(grid());
    let text = `${lines.join('\n')}\n`;
    for (let n = int(3); n > 0; n--) text = pick(mutations)(text);
    return text;
  };
}

/** Every file under dir (relative), but the runs folder. */
function tree(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (p === runs) return [];
    return statSync(p).isDirectory() ? tree(p).map((q) => join(name, q)) : [name];
  });
}

const lineOk = /^(\S*f\d+\.clusterlab\.yaml:\d+:\d+: |clusterlab: ).{1,400}$/;

test(`generated hostile experiment files through the CLI: one short line each, bounded memory and time, nothing outside the runs folder (seed ${SEED})`, async () => {
  const make = generator(SEED);
  const files = Array.from({ length: CLI_FILES }, (_, i) => {
    const name = `f${i}.clusterlab.yaml`;
    writeFileSync(join(tmp, name), make());
    return name;
  });
  const before = tree(tmp);
  const passed: string[] = [];
  await inParallel(
    files.length,
    async (i) => {
      const file = files[i]!;
      const cli = startCli(['run', join(tmp, file), '--runs', runs, '--cache', cache, '--check'], {
        nodeArgs: ['--max-old-space-size=256', '--import', join(HOOKS, 'peakRss.mjs')],
      });
      // Generous: the machine may be shared; a hang (a FIFO, a parser loop) is what this catches.
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000);
      const r: CliResult = await cli.done;
      clearTimeout(timer);
      const what = `${file} (seed ${SEED})`;
      assert.equal(r.signal, null, `${what}: killed (hung) — ${r.stderr.slice(0, 300)}`);
      assert.ok(r.code === 0 || r.code === 2, `${what}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: a stack trace`);
      const peak = Number(/^peak RSS (\d+) kB$/m.exec(r.stderr)?.[1]);
      assert.ok(peak > 0 && peak < 600_000, `${what}: peak RSS ${peak} kB`);
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('peak RSS '));
      for (const l of lines) assert.match(l, lineOk, `${what}: ${JSON.stringify(l.slice(0, 500))}`);
      if (r.code === 0) {
        assert.deepEqual(lines, [], what);
        assert.match(r.stdout, /^\S*f\d+\.clusterlab\.yaml: \d+ runs?: /, what);
        passed.push(file);
      } else assert.ok(lines.length > 0, `${what}: refused without saying why`);
    },
    2,
  );
  // The file that passes with the fewest runs is trained (a run takes seconds), into the runs folder only.
  const small = passed
    .map((f) => ({ f, n: countRuns(join(tmp, f)) }))
    .sort((a, b) => a.n - b.n)
    .slice(0, 1)
    .map((x) => x.f);
  for (const file of small) {
    const r = await startCli(['run', join(tmp, file), '--runs', runs, '--cache', cache], {}).done;
    assert.ok(r.code === 0 || r.code === 1, `${file}: exit ${r.code}: ${r.stderr.slice(-500)}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
  assert.deepEqual(
    tree(tmp).filter((f) => !f.startsWith(relative(tmp, cache))),
    before.filter((f) => !f.startsWith(relative(tmp, cache))),
    'nothing written outside the runs folder (but the pixel cache)',
  );
  for (const dir of [tmpdir(), join(tmp, '..'), '/tmp'])
    assert.ok(!readdirSync(dir).some((n) => n.includes(MARK)), `nothing named ${MARK} in ${dir}`);
  process.stderr.write(
    `fuzz (seed ${SEED}): ${files.length} files through the CLI, ${passed.length} passed --check, ${small.length} trained\n`,
  );
});

function countRuns(file: string): number {
  return parseExperiment(readFileSync(file, 'utf8'), file).runs.length;
}

test(`generated hostile experiment files through the parser: never a throw, every message one short line (seed ${SEED})`, () => {
  const make = generator(SEED + 1);
  let slowest = 0;
  for (let i = 0; i < PARSED_FILES; i++) {
    const text = make();
    // CPU time, not wall time: the language server's thread is held this long, however loaded the machine.
    const t0 = process.cpuUsage();
    const exp = parseExperiment(text, join(tmp, `p${i}.clusterlab.yaml`));
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    assert.ok(ms < 2000, `file ${i} (seed ${SEED + 1}): ${ms.toFixed(0)} ms of CPU to parse`);
    slowest = Math.max(slowest, ms);
    for (const p of exp.problems) {
      assert.ok(
        !p.message.includes('\n') && p.message.length <= 400,
        `file ${i} (seed ${SEED + 1}): ${JSON.stringify(p.message.slice(0, 500))}`,
      );
      assert.ok(
        p.span.start >= 0 && p.span.start <= text.length,
        `file ${i}: span ${p.span.start} in ${text.length} characters`,
      );
    }
    assert.ok(exp.runs.length <= 100_000);
  }
  process.stderr.write(
    `fuzz (seed ${SEED + 1}): ${PARSED_FILES} files parsed, slowest ${slowest.toFixed(0)} ms of CPU\n`,
  );
});
