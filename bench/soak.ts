// npm run bench -- soak [--minutes 5] [--seed 1]
//
// Kill-and-resume soak of the real `clusterlab` CLI: small CC and SCAN runs (16 px, batch 32, wasm,
// SCAN across all three stages) trained one after another for --minutes, each SIGKILLed 1-3 times
// at random moments and resumed (or started again when the kill came before run.json). After every
// kill the folder must read as a resume and the extension read it; every finished run must give
// assignments byte-identical to an uninterrupted run of the same config, computed once up front.
// Data lost = runs whose folder became unreadable, whose resume failed, or whose result differs:
// must be 0. Prints the counts and writes bench/results/soak.json; exits 1 if anything was lost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/trainer/util/rng.js';
import { makeHarness, startCli, type CliResult } from '../test/trainer/harness.js';
import {
  CC_RUN,
  inspectRunFolder,
  resumeArgs,
  SCAN_RUN,
  trainArgs,
  type SmallRun,
} from '../test/reliability/killedRuns.js';

const { values: args } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string', default: '1' } },
});
const MINUTES = Number(args.minutes);
if (!(MINUTES > 0)) throw new Error(`--minutes must be a positive number (got ${args.minutes})`);
const rng = new Rng(Number(args.seed));

// The CLI under test is the bundle: build it from the current sources first.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const { tmp, data, cache, run } = makeHarness(10);
const CONFIGS: SmallRun[] = [CC_RUN, SCAN_RUN];

interface Reference {
  assignments: string;
  seconds: number;
}
const references = new Map<SmallRun, Reference>();
for (const c of CONFIGS) {
  const out = join(tmp, `reference-${c.method}`);
  const t = performance.now();
  const r = await run(trainArgs(c, data, cache, out));
  if (r.code !== 0) throw new Error(`reference ${c.method} run failed: ${r.stderr}`);
  references.set(c, {
    assignments: readFileSync(join(out, 'assignments.csv'), 'utf8'),
    seconds: (performance.now() - t) / 1000,
  });
  console.log(`reference ${c.method}: ${references.get(c)!.seconds.toFixed(1)} s uninterrupted`);
}

interface Lost {
  run: string;
  method: string;
  what: string;
}
const counts = {
  runsCompleted: 0,
  kills: 0,
  killsSurvived: 0,
  resumes: 0,
  restarts: 0,
  finishedBeforeKill: 0,
};
const lost: Lost[] = [];
const deadline = performance.now() + MINUTES * 60_000;

/** One attempt: start (or resume) and SIGKILL at `killAfterMs` unless it finishes first. */
async function attempt(argv: string[], killAfterMs: number | undefined): Promise<CliResult> {
  const p = startCli(argv);
  const timer =
    killAfterMs === undefined ? undefined : setTimeout(() => p.child.kill('SIGKILL'), killAfterMs);
  const r = await p.done;
  clearTimeout(timer);
  return r;
}

/** Trains one run to the end through its kills; returns why it lost data, or undefined. */
async function soakOne(c: SmallRun, out: string): Promise<string | undefined> {
  const ref = references.get(c)!;
  let killsLeft = 1 + rng.int(3);
  let argv = trainArgs(c, data, cache, out);
  for (;;) {
    // Anywhere from process start to a little past a whole uninterrupted run.
    const killAt = killsLeft > 0 ? Math.floor(rng.next() * ref.seconds * 1100) : undefined;
    const r = await attempt(argv, killAt);
    if (r.signal === 'SIGKILL') {
      counts.kills++;
      killsLeft--;
      const left = await inspectRunFolder(out);
      if (left.problems.length > 0) return `after a kill at ${killAt} ms: ${left.problems.join('; ')}`;
      counts.killsSurvived++;
      if (left.started) counts.resumes++;
      else counts.restarts++;
      argv = left.started ? resumeArgs(cache, out) : trainArgs(c, data, cache, out);
      continue;
    }
    if (r.code !== 0)
      return `exit ${r.code}: ${
        r.stderr
          .split('\n')
          .filter((l) => l.startsWith('clusterlab: '))
          .join(' ') || r.stderr.slice(-300)
      }`;
    if (killAt !== undefined) counts.finishedBeforeKill++;
    if (readFileSync(join(out, 'assignments.csv'), 'utf8') !== ref.assignments)
      return 'assignments differ from the uninterrupted run';
    const temps = [...readdirSync(out), ...readdirSync(join(out, 'checkpoint'))].filter((f) =>
      f.endsWith('.tmp'),
    );
    if (temps.length > 0) return `temp files left behind: ${temps.join(', ')}`;
    return undefined;
  }
}

const started = performance.now();
for (let i = 0; performance.now() < deadline; i++) {
  const c = CONFIGS[i % CONFIGS.length]!;
  const out = join(tmp, `soak-${i}-${c.method}`);
  const why = await soakOne(c, out);
  if (why === undefined) {
    counts.runsCompleted++;
    rmSync(out, { recursive: true, force: true });
  } else {
    lost.push({ run: out, method: c.method, what: why });
    console.log(`DATA LOST in ${out}: ${why}`);
  }
  process.stdout.write(
    `\r${counts.runsCompleted} runs completed, ${counts.killsSurvived}/${counts.kills} kills survived, ${lost.length} lost`,
  );
}
process.stdout.write('\n');

const result = {
  minutes: MINUTES,
  seconds: Math.round((performance.now() - started) / 1000),
  seed: Number(args.seed),
  configs: CONFIGS.map((c) => ({ ...c, referenceSeconds: Number(references.get(c)!.seconds.toFixed(2)) })),
  ...counts,
  dataLost: lost.length,
  lost,
  machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
};
console.log(
  `runs completed ${result.runsCompleted}, kills survived ${result.killsSurvived} of ${result.kills} (${result.resumes} resumed, ${result.restarts} started again before run.json existed), data lost ${result.dataLost}`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/soak.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log('wrote bench/results/soak.json');
if (existsSync(tmp) && lost.length === 0) rmSync(tmp, { recursive: true, force: true });
process.exit(lost.length > 0 ? 1 : 0);
