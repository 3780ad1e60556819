import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DECODABLE_SUFFIXES, classifyName } from '../../src/common/imageFormats.js';
import { assignLabels, scanFolder } from '../../src/trainer/data/scan.js';
import { put, solid, tmpFolders } from './dataFixtures.js';

const tmp = tmpFolders();

describe('scanFolder', () => {
  let root = '';
  let png: Buffer;
  before(async () => {
    root = await tmp('scan');
    png = await solid(4, 4, [1, 2, 3]);
    await put(root, 'loose.png', png);
    await put(root, 'README.md', '# not an image');
    await put(root, 'animals/cat/a.PNG', png);
    await put(root, 'animals/cat/b.JpEg', png);
    await put(root, 'animals/dog/c.webp', png);
    await put(root, 'vehicles/car/d.tif', png);
    await put(root, 'vehicles/car/notes.txt', 'ignored');
    await put(root, 'vehicles/car/e.heic', png);
    await put(root, '.clusterlab/cache/x.png', png);
    await put(root, 'animals/.hidden/y.png', png);
    await put(root, 'animals/cat/._a.PNG', 'macOS resource fork');
    // A symlink loop (animals/cat/loop -> animals) and a broken image symlink.
    await symlink(join(root, 'animals'), join(root, 'animals/cat/loop'));
    await symlink(join(root, 'nowhere.png'), join(root, 'vehicles/car/broken.png'));
  });

  it('finds images recursively, case-insensitively, sorted by posix path', async () => {
    const s = await scanFolder(root);
    assert.deepEqual(
      s.entries.map((e) => e.path),
      ['animals/cat/a.PNG', 'animals/cat/b.JpEg', 'animals/dog/c.webp', 'loose.png', 'vehicles/car/d.tif'],
    );
    assert.equal(s.root, root);
    for (const e of s.entries) {
      assert.equal(e.abs, join(root, e.path));
      assert.equal(e.size, png.length);
      assert.ok(e.mtimeMs > 0);
    }
  });

  it('labels from folders: class = parent, super-class = grandparent, root images unlabelled', async () => {
    const s = await scanFolder(root);
    assert.deepEqual(s.classes, ['car', 'cat', 'dog']);
    assert.deepEqual(s.superClasses, ['animals', 'vehicles']);
    const byPath = Object.fromEntries(
      s.entries.map((e) => [e.path, [s.classes[e.label], s.superClasses[e.superLabel]]]),
    );
    assert.deepEqual(byPath['animals/cat/a.PNG'], ['cat', 'animals']);
    assert.deepEqual(byPath['vehicles/car/d.tif'], ['car', 'vehicles']);
    const loose = s.entries.find((e) => e.path === 'loose.png')!;
    assert.equal(loose.label, -1);
    assert.equal(loose.superLabel, -1);
  });

  it('skips hidden folders and files silently, ignores non-images, reports loops, broken links and unsupported formats', async () => {
    const s = await scanFolder(root);
    assert.deepEqual(s.skipped, [
      {
        path: 'animals/cat/loop',
        reason: 'symlink to a folder already scanned as "animals" (loop or duplicate)',
      },
      { path: 'vehicles/car/broken.png', reason: 'broken symlink' },
      {
        path: 'vehicles/car/e.heic',
        reason: 'unsupported image format: .heic files cannot be decoded by this build of sharp',
      },
    ]);
    assert.deepEqual(s.warnings, []);
  });

  it('follows a symlinked folder once', async () => {
    const other = await tmp('scan-target');
    await put(other, 'bird/z.png', png);
    const r = await tmp('scan-link');
    await symlink(other, join(r, 'linked'));
    await symlink(other, join(r, 'again'));
    const s = await scanFolder(r);
    // Both links lead to one folder: the first in name order is walked, the other reported.
    assert.deepEqual(
      s.entries.map((e) => e.path),
      ['again/bird/z.png'],
    );
    assert.deepEqual(s.skipped, [
      { path: 'linked', reason: 'symlink to a folder already scanned as "again" (loop or duplicate)' },
    ]);
    assert.deepEqual(s.classes, ['bird']);
  });

  it('throws a clear error for a missing root or a file as root', async () => {
    const missing = join(root, 'no/such/folder');
    await assert.rejects(scanFolder(missing), { message: `image folder does not exist: ${missing}` });
    await assert.rejects(scanFolder(join(root, 'loose.png')), {
      message: `image folder is not a directory: ${join(root, 'loose.png')}`,
    });
  });

  it('an empty folder gives no entries', async () => {
    const s = await scanFolder(await tmp('scan-empty'));
    assert.deepEqual([s.entries, s.classes, s.superClasses, s.skipped], [[], [], [], []]);
  });
});

describe('superclasses.json', () => {
  it('provides and overrides super-classes per class', async () => {
    const r = await tmp('scan-super');
    const png = await solid(2, 2, [0, 0, 0]);
    await put(r, 'cat/1.png', png);
    await put(r, 'dog/2.png', png);
    await put(r, 'pets/hamster/3.png', png);
    await put(r, 'superclasses.json', JSON.stringify({ cat: 'mammal', hamster: 'rodent', unicorn: 'myth' }));
    const s = await scanFolder(r);
    assert.deepEqual(s.superClasses, ['mammal', 'rodent']);
    const sup = Object.fromEntries(
      s.entries.map((e) => [e.path, e.superLabel === -1 ? null : s.superClasses[e.superLabel]]),
    );
    assert.deepEqual(sup, { 'cat/1.png': 'mammal', 'dog/2.png': null, 'pets/hamster/3.png': 'rodent' });
    assert.deepEqual(s.warnings, ['superclasses.json names classes with no images: unicorn']);
  });

  it('rejects a malformed file with its path in the message', async () => {
    const r = await tmp('scan-badsuper');
    await put(r, 'cat/1.png', await solid(2, 2, [0, 0, 0]));
    await put(r, 'superclasses.json', '{"cat": 3}');
    await assert.rejects(scanFolder(r), {
      message: `${join(r, 'superclasses.json')}: the super-class of "cat" must be a non-empty string`,
    });
    await put(r, 'superclasses.json', '["cat"]');
    await assert.rejects(scanFolder(r), /must be a JSON object/);
    await put(r, 'superclasses.json', '{cat');
    await assert.rejects(scanFolder(r), /is not valid JSON/);
  });
});

describe('assignLabels (mixed depths)', () => {
  it('uses the two nearest folders and gives a class its super-class wherever its images are', () => {
    const l = assignLabels(['a.png', 'cat/b.png', 'animals/cat/c.png', 'x/y/animals/dog/d.png']);
    assert.deepEqual(l.classes, ['cat', 'dog']);
    assert.deepEqual(l.superClasses, ['animals']);
    assert.deepEqual([...l.label], [-1, 0, 0, 1]);
    assert.deepEqual([...l.superLabel], [-1, 0, 0, 0]);
  });

  it('drops folder super-classes when a class sits under two parents (train/test splits)', () => {
    const l = assignLabels(['test/cat/1.png', 'test/dog/2.png', 'train/cat/3.png', 'train/dog/4.png']);
    assert.deepEqual(l.classes, ['cat', 'dog']);
    assert.deepEqual([...l.label], [0, 1, 0, 1]);
    assert.deepEqual(l.superClasses, []);
    assert.deepEqual([...l.superLabel], [-1, -1, -1, -1]);
    assert.equal(l.warnings.length, 1);
    assert.match(l.warnings[0]!, /class "cat" is in both "test" and "train"/);
  });

  it('a folder may be both a class (its own images) and a super-class (of its subfolders)', () => {
    const l = assignLabels(['tops/0.png', 'tops/shirt/1.png']);
    assert.deepEqual(l.classes, ['shirt', 'tops']);
    assert.deepEqual(l.superClasses, ['tops']);
    assert.deepEqual([...l.label], [1, 0]);
    assert.deepEqual([...l.superLabel], [-1, 0]);
  });
});

describe('formats', () => {
  it('decodable suffixes come from this sharp build and exclude libvips .v', () => {
    for (const s of ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.svg'])
      assert.ok(DECODABLE_SUFFIXES.includes(s), s);
    assert.ok(!DECODABLE_SUFFIXES.includes('.v'));
    assert.deepEqual(classifyName('module.v'), { kind: 'other' });
    assert.deepEqual(classifyName('IMG_1.HEIC'), { kind: 'unsupported', suffix: '.heic' });
    assert.deepEqual(classifyName('.png'), { kind: 'other' });
  });
});
