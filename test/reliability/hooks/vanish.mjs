// Test hook, loaded with `node --import`: deletes the file named by CLUSTERLAB_TEST_VANISH the
// moment the trainer first reads it, so an image disappears between the folder scan and its decode
// on every run, not only when a race happens to go that way.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const target = process.env.CLUSTERLAB_TEST_VANISH;
const readFile = fs.promises.readFile;
fs.promises.readFile = function (path, ...rest) {
  if (target && String(path) === target) fs.rmSync(target, { force: true });
  return readFile.call(this, path, ...rest);
};
// The trainer bundle imports readFile from node:fs/promises: update that binding too.
syncBuiltinESMExports();
