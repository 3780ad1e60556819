// The tree is formatted by Prettier (.prettierrc.json: width 110, the vscode-eslint and
// rust-analyzer habit); a file written by hand in another shape fails the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('prettier --check finds every TypeScript, script and style file formatted', () => {
  const r = spawnSync(
    process.execPath,
    ['node_modules/prettier/bin/prettier.cjs', '--check', '**/*.{ts,mjs,js,css,html}'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`.trim());
});
