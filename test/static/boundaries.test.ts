// The sides' import boundaries are enforced by the build (scripts/boundaries.mjs on esbuild's
// metafiles): a copy of the sources with forbidden imports planted must fail `node scripts/build.mjs`,
// naming each one, where the same build of the untouched sources passes (npm test builds them first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

test('a forbidden import fails the build, naming the file and the rule', () => {
  const copy = mkdtempSync(join(tmpdir(), 'clusterlab-boundaries-'));
  try {
    for (const part of ['src', 'webview', 'scripts', 'package.json', 'tsconfig.json'])
      cpSync(part, join(copy, part), { recursive: true });
    symlinkSync(resolve('node_modules'), join(copy, 'node_modules'));
    const plant = (file: string, line: string) => appendFileSync(join(copy, file), `\n${line}\n`);
    plant('src/trainer/cli.ts', "import 'vscode';");
    plant('src/trainer/server.ts', "import '../extension/runEstimate.js';");
    plant('webview/gallery/main.ts', "import '../../src/common/shown.js';");
    plant('src/common/runPlace.ts', "import 'vscode';");

    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, encoding: 'utf8' });
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 1, output);
    const lines = output.split('\n').filter((l) => l.startsWith('boundary: '));
    const expect = [
      /^boundary: src\/trainer\/cli\.ts imports vscode: the trainer runs without VS Code/,
      /^boundary: src\/trainer\/server\.ts imports src\/extension\/runEstimate\.ts: the trainer may not use extension host code/,
      /^boundary: webview\/gallery\/main\.ts imports src\/common\/shown\.ts: a webview may use only webview\/, src\/protocol\//,
      /^boundary: src\/common\/runPlace\.ts imports vscode: src\/protocol and src\/common are shared by every side/,
    ];
    for (const e of expect)
      assert.ok(
        lines.some((l) => e.test(l)),
        `no line matches ${e}:\n${lines.join('\n')}`,
      );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
