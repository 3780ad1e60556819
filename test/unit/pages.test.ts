// The PAGES table (src/extension/views/pages.ts) is the one list of pages: every place a page must
// also appear outside the code (package.json's commands, side-bar views and restore activation
// events, its script and stylesheet) agrees with it, and no other source file lists the pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, PAGE_NAMES } from '../../src/extension/views/pages.js';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string }[];
    views: Record<string, { id: string; type?: string }[]>;
  };
};

test("each page's command, script and stylesheet exist", () => {
  const commands = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const name of PAGE_NAMES) {
    const row = PAGES[name];
    assert.ok(commands.has(row.command.id), `package.json has no command ${row.command.id} (page ${name})`);
    assert.ok(existsSync(row.entry), `${name}: ${row.entry} is missing`);
    assert.ok(existsSync(`media/${name}.css`), `${name}: media/${name}.css is missing`);
  }
});

test('package.json activates on exactly the restored pages and lists exactly the side-bar pages as webview views', () => {
  const restoring = manifest.activationEvents.filter((e) => e.startsWith('onWebviewPanel:')).sort();
  assert.deepEqual(
    restoring,
    PAGE_NAMES.filter((p) => PAGES[p].restored)
      .map((p) => `onWebviewPanel:clusterlab.${p}`)
      .sort(),
  );
  const views = Object.values(manifest.contributes.views)
    .flat()
    .filter((v) => v.type === 'webview')
    .map((v) => v.id)
    .sort();
  assert.deepEqual(
    views,
    PAGE_NAMES.filter((p) => PAGES[p].sideBar)
      .map((p) => `clusterlab.${p}`)
      .sort(),
  );
});

test('no other source file keeps its own list of the pages', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(p) ? [p] : [];
    });
  // Three or more page names quoted on one line: a hand-kept list (or a switch written on one line).
  const names = PAGE_NAMES.join('|');
  const list = new RegExp(`(['"](${names})['"].*){3}`);
  const found = ['src', 'webview', 'scripts', 'test', 'bench'].flatMap(files).filter(
    (f) =>
      f !== join('src', 'extension', 'views', 'pages.ts') &&
      readFileSync(f, 'utf8')
        .split('\n')
        .some((l) => list.test(l)),
  );
  assert.deepEqual(found, []);
});
