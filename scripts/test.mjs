// Runs every *.test.ts under test/ with Node's own runner; TypeScript via tsx.
// Usage: npm test [-- substring]  (only files whose path contains the substring)
//
// Two lanes at once: the code-server e2e files one after another (they spend most of their time
// waiting on a real VS Code), and every other file one after another beside them. One e2e at a
// time keeps them from starving each other of the 2 cores. The other lane streams its report; the
// e2e lane's report is printed whole when it ends, so the two never interleave.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const filter = process.argv[2];
const files = walk('test')
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filter ?? 'test/**/*.test.ts'}`);
  process.exit(1);
}
const isE2e = (f) => f.startsWith(join('test', 'e2e') + '/');

/** Runs one lane; resolves to its exit code. `buffer`: keep its report and print it at the end. */
function lane(laneFiles, buffer) {
  if (laneFiles.length === 0) return Promise.resolve({ code: 0, report: '' });
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...laneFiles], {
    stdio: ['ignore', buffer ? 'pipe' : 'inherit', buffer ? 'pipe' : 'inherit'],
  });
  const chunks = [];
  child.stdout?.on('data', (d) => chunks.push(d));
  child.stderr?.on('data', (d) => chunks.push(d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), report: Buffer.concat(chunks).toString() }),
    ),
  );
}

const [others, e2e] = await Promise.all([
  lane(
    files.filter((f) => !isE2e(f)),
    false,
  ),
  lane(files.filter(isE2e), true),
]);
if (e2e.report) process.stdout.write(`\n# the code-server e2e lane (run beside the others):\n${e2e.report}`);
process.exit(others.code || e2e.code);
