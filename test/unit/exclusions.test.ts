import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  applyExclusions,
  editExclusions,
  EXCLUDE_FILE,
  exclusionNote,
  readExclusions,
} from '../../src/common/exclusions.js';
import { loadDataset } from '../../src/trainer/data/dataset.js';
import { put, rawToPng, tmpFolders } from './dataFixtures.js';

const tmp = tmpFolders();

describe('the dataset exclusion list', () => {
  it('no list is nothing excluded; edits are changes applied to the file as it is now, written atomically', async () => {
    const root = await tmp('excl-');
    assert.deepEqual([...(await readExclusions(root))], []);
    const first = await editExclusions(root, ['a/1.png', 'a/2.png'], []);
    assert.deepEqual(first.change, { added: ['a/1.png', 'a/2.png'], removed: [] });
    // Someone else (another run's page, a person) adds one; this edit keeps it.
    const text = JSON.parse(await readFile(join(root, EXCLUDE_FILE), 'utf8'));
    await writeFile(join(root, EXCLUDE_FILE), JSON.stringify({ ...text, paths: [...text.paths, 'b/9.png'] }));
    const second = await editExclusions(root, ['a/1.png'], ['a/2.png']);
    // a/1.png was already there: only the real change is recorded, so undoing it is exact.
    assert.deepEqual(second.change, { added: [], removed: ['a/2.png'] });
    assert.deepEqual([...(await readExclusions(root))].sort(), ['a/1.png', 'b/9.png']);
    // No temporary files left beside it; the images are never touched.
    assert.deepEqual((await readdir(root)).sort(), [EXCLUDE_FILE]);
  });

  it('a damaged list is one line naming the file; a path outside the dataset is refused', async () => {
    const root = await tmp('excl-bad-');
    await writeFile(join(root, EXCLUDE_FILE), '{"format": "clusterlab-exclusions", "version": 1, "paths": [');
    await assert.rejects(readExclusions(root), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^${join(root, EXCLUDE_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid exclusion list \\(not JSON: .*\\): fix or remove it$`,
        ),
      );
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    await writeFile(
      join(root, EXCLUDE_FILE),
      JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: ['../elsewhere.png'] }),
    );
    await assert.rejects(
      readExclusions(root),
      /is not a valid exclusion list \("\.\.\/elsewhere\.png" is not a path inside the dataset folder\)/,
    );
    await writeFile(
      join(root, EXCLUDE_FILE),
      JSON.stringify({ format: 'clusterlab-exclusions', version: 1, paths: [3] }),
    );
    await assert.rejects(
      readExclusions(root),
      /is not a valid exclusion list \(paths\[0\]: expected a string/,
    );
    // An edit on a damaged list refuses rather than replacing it.
    await assert.rejects(editExclusions(root, ['x.png'], []), /is not a valid exclusion list/);
  });

  it('applying it: listed images left out, listed images since deleted counted once as stale', () => {
    const r = applyExclusions(
      ['a.png', 'b.png', 'c.png'],
      (p) => p,
      new Set(['b.png', 'gone.png', 'gone2.png']),
    );
    assert.deepEqual(r, { kept: ['a.png', 'c.png'], excluded: 1, stale: 2 });
    assert.match(
      exclusionNote('/data', r)!,
      /^1 image left out by the exclusion list \/data\/\.clusterlab-exclude\.json \(2 listed images no longer exist: ignored\)$/,
    );
    assert.equal(
      exclusionNote(
        '/data',
        applyExclusions(['a.png'], (p) => p, new Set()),
      ),
      undefined,
    );
  });

  it("the trainer's data loading leaves excluded images out and says so in one line; a damaged list stops it before decoding", async () => {
    const root = await tmp('excl-load-');
    const cacheDir = await tmp('excl-cache-');
    for (let i = 0; i < 4; i++)
      await put(root, `c/${i}.png`, await rawToPng(new Uint8Array(36).fill(40 * i), 6, 6, 1));
    await editExclusions(root, ['c/1.png', 'c/deleted.png'], []);
    const ds = await loadDataset(root, { imageSize: 6, channels: 1, cacheDir });
    assert.deepEqual(
      ds.entries.map((e) => e.path),
      ['c/0.png', 'c/2.png', 'c/3.png'],
    );
    assert.equal(ds.pixels[6 * 6], 80, 'the second image loaded is c/2.png');
    assert.match(
      ds.exclusions!,
      /^1 image left out by the exclusion list .*\(1 listed image no longer exists: ignored\)$/,
    );
    await writeFile(join(root, EXCLUDE_FILE), 'not json');
    let decoded = 0;
    await assert.rejects(
      loadDataset(root, {
        imageSize: 6,
        channels: 1,
        cacheDir,
        decode: () => (decoded++, Promise.reject(new Error('unused'))),
      }),
      /\.clusterlab-exclude\.json is not a valid exclusion list/,
    );
    assert.equal(decoded, 0);
  });
});
