// npm run package [-- --target T[,T...]] [--out FILE_OR_DIR]: one VSIX per VS Code platform target.
// The bundles are the same everywhere; what differs is sharp's native binary (and libvips), which npm
// fetches for another platform with --os/--cpu into a staging folder per target, so each VSIX holds
// exactly one platform's sharp and nothing else native. onnxruntime-node (feature models) is one npm
// package with every platform's binaries under bin/napi-v6/<os>/<cpu>: all but the target's are
// removed from the staging folder (it ships none for darwin-x64, so that VSIX has no ONNX runtime and
// says so in `clusterlab doctor`; TF.js feature models still work there). Staging folders are cached
// under node_modules/.cache/clusterlab-package and refreshed when the sharp or onnxruntime version changes.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** VS Code's target names and the npm platform they install sharp for. */
export const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
};

function parseArgs(argv) {
  const args = { targets: Object.keys(TARGETS), out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--target') args.targets = value().split(',');
    else if (a === '--out') args.out = value();
    else
      fail(`unknown option ${a} (expected --target ${Object.keys(TARGETS).join('|')} and --out FILE_OR_DIR)`);
  }
  for (const t of args.targets)
    if (!(t in TARGETS)) fail(`unknown target ${t}: expected one of ${Object.keys(TARGETS).join(', ')}`);
  return args;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(2);
}

function run(cmd, args, cwd) {
  // No stdin and CI set: vsce would otherwise wait for answers to its questions.
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  if (r.status !== 0)
    fail(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`.slice(-4000));
  return r.stdout;
}

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const sharpVersion = JSON.parse(readFileSync(join(root, 'node_modules/sharp/package.json'), 'utf8')).version;
const ortVersion = JSON.parse(
  readFileSync(join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8'),
).version;
const natives = { sharp: sharpVersion, 'onnxruntime-node': ortVersion };
const stampText = JSON.stringify(natives);
const { targets, out } = parseArgs(process.argv.slice(2));
// One target may be written to a file name; several go into a folder, named by vsce's convention.
const outFile = (t) =>
  out && targets.length === 1 && out.endsWith('.vsix')
    ? resolve(out)
    : resolve(out ?? root, `${manifest.name}-${t}-${manifest.version}.vsix`);

run(process.execPath, ['scripts/build.mjs', '--production'], root);
for (const target of targets) {
  const stage = join(root, 'node_modules/.cache/clusterlab-package', target);
  const stamp = join(stage, '.sharp-version');
  const { os, cpu, libc } = TARGETS[target];
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== stampText) {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
    writeFileSync(
      join(stage, 'package.json'),
      JSON.stringify({ name: 'stage', version: '0.0.0', private: true, dependencies: natives }),
    );
    // --ignore-scripts: onnxruntime-node's would download CUDA libraries from nuget.org.
    run(
      'npm',
      [
        'install',
        `--os=${os}`,
        `--cpu=${cpu}`,
        ...(libc ? [`--libc=${libc}`] : []),
        '--omit=dev',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
      ],
      stage,
    );
    const bin = join(stage, 'node_modules/onnxruntime-node/bin');
    for (const napi of readdirSync(bin)) {
      for (const o of readdirSync(join(bin, napi))) {
        for (const c of readdirSync(join(bin, napi, o)))
          if (o !== os || c !== cpu) rmSync(join(bin, napi, o, c), { recursive: true });
      }
    }
    writeFileSync(stamp, stampText);
  }
  // The staged manifest names only what the VSIX carries: the bundles need nothing else at run time.
  writeFileSync(
    join(stage, 'package.json'),
    JSON.stringify({ ...manifest, dependencies: natives, devDependencies: {}, scripts: {} }, null, 2),
  );
  rmSync(join(stage, 'dist'), { recursive: true, force: true });
  cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true });
  cpSync(join(root, 'media'), join(stage, 'media'), { recursive: true });
  for (const f of ['README.md', 'LICENSE', '.vscodeignore']) copyFileSync(join(root, f), join(stage, f));
  const file = outFile(target);
  mkdirSync(dirname(file), { recursive: true });
  // The README's screenshots are relative links: with no repository to rewrite them against, vsce
  // would refuse them; they stay relative (the VSIX carries no docs/ folder).
  run(
    process.execPath,
    [
      join(root, 'node_modules/@vscode/vsce/vsce'),
      'package',
      '--target',
      target,
      '--allow-missing-repository',
      '--no-rewrite-relative-links',
      '--out',
      file,
    ],
    stage,
  );
  console.log(`package: ${target} -> ${file}`);
}
