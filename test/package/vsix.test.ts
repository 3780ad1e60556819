import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeader: number;
}

/** The entries of a zip file, from its central directory. */
function zipEntries(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'bad central directory entry');
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      localHeader: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** One entry's text (stored or deflated, the two methods vsce writes). */
function entryText(zip: Buffer, e: ZipEntry): string {
  const start =
    e.localHeader + 30 + zip.readUInt16LE(e.localHeader + 26) + zip.readUInt16LE(e.localHeader + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  return (e.method === 8 ? inflateRawSync(data) : data).toString('utf8');
}

/** Each target's VSIX holds its own sharp binary (and libvips, a separate package except on Windows), and no other platform's. */
const TARGETS: Record<string, { binary: string; libvips?: string }> = {
  'linux-x64': { binary: 'sharp-linux-x64', libvips: 'sharp-libvips-linux-x64' },
  'linux-arm64': { binary: 'sharp-linux-arm64', libvips: 'sharp-libvips-linux-arm64' },
  'darwin-x64': { binary: 'sharp-darwin-x64', libvips: 'sharp-libvips-darwin-x64' },
  'darwin-arm64': { binary: 'sharp-darwin-arm64', libvips: 'sharp-libvips-darwin-arm64' },
  'win32-x64': { binary: 'sharp-win32-x64' },
};

test(
  "npm run package builds one VSIX per platform: the bundles, media, manifest, README and licence, that platform's sharp and onnxruntime and nothing else native",
  { timeout: 600_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterlab-vsix-'));
    const r = spawnSync('npm', ['run', 'package', '--', '--out', dir], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.ok(manifest.publisher && manifest.engines.vscode && manifest.main === './dist/extension.cjs');

    for (const [target, want] of Object.entries(TARGETS)) {
      const zip = readFileSync(join(dir, `clusterlab-${target}-${manifest.version}.vsix`));
      const entries = zipEntries(zip);
      const names = entries.map((e) => e.name);
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
        assert.ok(names.includes(wanted), `${target}: ${wanted} is missing`);
      }
      const unwanted = names.filter((n) =>
        /^extension\/(src|test|sample|scripts|bench|webview|scratch)\/|\.map$|node_modules\/(@tensorflow|typescript|esbuild|vscode-)/.test(
          n,
        ),
      );
      assert.deepEqual(unwanted, [], target);

      const native = [
        ...new Set(
          names
            .filter((n) => n.startsWith('extension/node_modules/@img/sharp-'))
            .map((n) => n.split('/')[3]!),
        ),
      ].sort();
      assert.deepEqual(
        native,
        [want.binary, ...(want.libvips ? [want.libvips] : [])].sort(),
        `${target}: native packages`,
      );
      assert.ok(
        names.some((n) => n.startsWith(`extension/node_modules/@img/${want.binary}/`) && n.endsWith('.node')),
        `${target}: no sharp .node binary`,
      );
      // onnxruntime-node: the target's binaries only (it ships none for darwin-x64).
      const ort = `extension/node_modules/onnxruntime-node/bin/napi-v6/${target.replace('-', '/')}/`;
      const ortFiles = names.filter((n) => n.startsWith('extension/node_modules/onnxruntime-node/bin/'));
      if (target === 'darwin-x64')
        assert.deepEqual(ortFiles, [], `${target}: onnxruntime ships no binary for it`);
      else {
        assert.ok(names.includes(`${ort}onnxruntime_binding.node`), `${target}: no onnxruntime binding`);
        assert.ok(
          names.includes('extension/node_modules/onnxruntime-common/dist/cjs/index.js') &&
            names.includes('extension/node_modules/onnxruntime-node/dist/index.js'),
          `${target}: onnxruntime's loader`,
        );
      }
      assert.deepEqual(
        ortFiles.filter((n) => !n.startsWith(ort)),
        [],
        `${target}: another platform's onnxruntime`,
      );
      assert.deepEqual(
        names.filter((n) => /node_modules\/(adm-zip|global-agent)\//.test(n)),
        [],
        `${target}: onnxruntime's install-script dependencies`,
      );
      const other = names.filter(
        (n) =>
          /\.(node|so(\.\d+)*|dylib|dll)$/.test(n) &&
          !n.includes(`/@img/${want.binary}/`) &&
          !(want.libvips && n.includes(`/@img/${want.libvips}/`)) &&
          !n.startsWith(ort),
      );
      assert.deepEqual(other, [], `${target}: native files of another package`);
      const vsixManifest = entries.find((e) => e.name === 'extension.vsixmanifest');
      assert.ok(vsixManifest, `${target}: no extension.vsixmanifest`);
      assert.match(
        entryText(zip, vsixManifest),
        new RegExp(`TargetPlatform="${target}"`),
        `${target}: the manifest names its platform`,
      );
    }
  },
);
