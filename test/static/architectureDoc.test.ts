// docs/ARCHITECTURE.md names files: every one must exist, so a rename or a removal that forgets the
// document fails here. Checked: every repository path in the text (`src/...`, `test/...`), and the
// code maps, whose entries are relative to the folder that heads them (a line holding only a path
// that ends in "/", or such a path followed by two spaces and a description).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOC = 'docs/ARCHITECTURE.md';
const ROOTS = ['src', 'webview', 'test', 'scripts', 'bench', 'media', 'docs', 'bin', 'sample'];
/** A path in prose: a root folder, then path characters; placeholders (<name>) and globs are not files. */
const PATH = new RegExp(`(?<![\\w./-])((?:${ROOTS.join('|')})/[\\w./-]*[\\w/])`, 'g');
/** A code map entry: a file or folder name (or a few, comma-separated) before two spaces of padding. */
const ENTRY = /^\s*((?:[\w.-]+\/)*[\w.-]+(?:\.\w+|\/))(?:,\s*(?:[\w.-]+\/)*[\w.-]+(?:\.\w+|\/))*(?:\s{2,}|$)/;

function namedPaths(text: string): { path: string; line: number }[] {
  const found: { path: string; line: number }[] = [];
  let inBlock = false;
  let inMap = false;
  let folder: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.startsWith('```')) {
      // Only untagged blocks are code maps (```ts and ```json show types and file formats).
      inBlock = !inBlock;
      inMap = inBlock && raw.trim() === '```';
      folder = undefined;
      return;
    }
    const placeholder = (p: string) => /[<>*|]/.test(p);
    for (const m of raw.matchAll(PATH)) {
      const rest = raw.slice((m.index ?? 0) + m[1]!.length);
      if (!placeholder(m[1]! + rest.slice(0, 1))) found.push({ path: m[1]!.replace(/\.$/, ''), line });
    }
    if (!inMap) return;
    const head = raw.match(new RegExp(`^((?:${ROOTS.join('|')})/\\S*/)(?:\\s{2,}|$)`));
    if (head) {
      folder = head[1];
      return;
    }
    const entry = raw.match(ENTRY);
    if (!folder || !entry || placeholder(entry[0]) || ROOTS.some((r) => entry[0].trim().startsWith(`${r}/`)))
      return;
    for (const name of entry[0].trim().split(/,\s*/)) found.push({ path: join(folder, name), line });
  });
  return found;
}

test(`every path ${DOC} names exists`, () => {
  const named = namedPaths(readFileSync(DOC, 'utf8'));
  assert.ok(named.length > 100, `the check found only ${named.length} paths: the parser lost the code maps`);
  const missing = named.filter((n) => !existsSync(n.path)).map((n) => `${DOC}:${n.line}: ${n.path}`);
  assert.deepEqual(missing, []);
});
