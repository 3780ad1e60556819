import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/** Names of the entries of a zip file, from its central directory. */
function zipEntries(zip: Buffer): string[] {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'bad central directory entry');
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

test('npm run package builds a VSIX with the bundles, media, manifest, README and licence, and nothing of the sources', { timeout: 300_000 }, () => {
  const out = join(mkdtempSync(join(tmpdir(), 'clusterlab-vsix-')), 'clusterlab.vsix');
  const r = spawnSync('npm', ['run', 'package', '--', '--out', out], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);

  const names = zipEntries(readFileSync(out));
  for (const wanted of [
    'extension/package.json',
    'extension/readme.md',
    'extension/LICENSE.txt',
    'extension/dist/extension.cjs',
    'extension/dist/server.mjs',
    'extension/dist/cli.mjs',
    'extension/dist/tfjs-backend-wasm-threaded-simd.wasm',
    'extension/media/clusterlab.svg',
    'extension/node_modules/sharp/package.json',
  ]) {
    assert.ok(names.includes(wanted), `${wanted} is missing`);
  }
  const unwanted = names.filter((n) => /^extension\/(src|test|sample|scripts|bench|webview|scratch)\/|\.map$|node_modules\/(@tensorflow|typescript|esbuild|vscode-)/.test(n));
  assert.deepEqual(unwanted, []);

  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.ok(manifest.publisher && manifest.engines.vscode && manifest.main === './dist/extension.cjs');
});
