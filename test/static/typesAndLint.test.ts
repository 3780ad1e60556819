// esbuild and tsx strip types without checking them: these two make a type error or a lint finding fail the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test('tsc --noEmit finds no type error in src, webview, test, bench and scripts', () => {
  const r = run('node_modules/typescript/bin/tsc', ['-p', '.', '--noEmit']);
  assert.equal(r.status, 0, r.output);
});

test("eslint (typescript-eslint's recommended rules) finds nothing", () => {
  const r = run('node_modules/eslint/bin/eslint.js', ['.', '--max-warnings', '0']);
  assert.equal(r.status, 0, r.output);
});
