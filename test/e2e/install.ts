// Installs code-server (a real VS Code in the browser) for the end-to-end tests and `npm run ui`,
// once: later calls find the stamp and return at once. code-server's own postinstall downloads
// ripgrep and prebuilt binaries, which this network cannot reach, so its steps are done here
// with --ignore-scripts, Debian's ripgrep and native modules built from source
// (shared/E2E-VSCODE.md records why each step is needed).
// Run directly (`node --import tsx test/e2e/install.ts`) it installs and prints the entry point.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The last code-server line that runs on Node 20 (4.101+ need Node 22). */
export const CODE_SERVER_VERSION = '4.100.3';
const CACHE = resolve('node_modules/.cache/clusterlab-code-server');
const STAMP = join(CACHE, 'installed.json');
const LOG = join(CACHE, 'install.log');
const RIPGREP = '/usr/bin/rg';
const SETUP_HINT =
  'run `bash scripts/setup.sh` first: it installs the Debian packages this needs (ripgrep, chromium, libkrb5-dev, libxkbfile-dev, libsecret-1-dev, pkg-config)';

/** Native modules are built for one Node ABI: a new Node version must rebuild them. */
const stampContent = () =>
  JSON.stringify({
    codeServer: CODE_SERVER_VERSION,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  });

/** code-server's entry point, installing it first unless the cache already holds this version. */
export async function ensureCodeServer(): Promise<string> {
  const entry = join(CACHE, 'node_modules/code-server/out/node/entry.js');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stampContent() && existsSync(entry)) return entry;
  if (!existsSync(RIPGREP)) throw new Error(`code-server needs ${RIPGREP}: ${SETUP_HINT}`);

  const started = Date.now();
  console.error(
    `e2e: installing code-server ${CODE_SERVER_VERSION} into ${CACHE} (a few minutes, once; log: ${LOG})`,
  );
  rmSync(CACHE, { recursive: true, force: true }); // a half-finished install has no stamp: start over
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ private: true }));
  const log = createWriteStream(LOG);
  const run = (cwd: string, cmd: string, ...args: string[]) => step(log, join(CACHE, cwd), cmd, args);
  const npmCi = ['--ignore-scripts', '--no-audit', '--no-fund'];
  const vscode = 'node_modules/code-server/lib/vscode';

  await run('.', 'npm', 'install', `code-server@${CODE_SERVER_VERSION}`, ...npmCi);
  await run(vscode, 'npm', 'install', '--omit=dev', ...npmCi);
  mkdirSync(join(CACHE, vscode, 'node_modules/@vscode/ripgrep/bin'), { recursive: true });
  copyFileSync(RIPGREP, join(CACHE, vscode, 'node_modules/@vscode/ripgrep/bin/rg'));
  await run(
    vscode,
    'npm',
    'rebuild',
    'kerberos',
    'node-pty',
    '@vscode/spdlog',
    'native-watchdog',
    '@vscode/deviceid',
  );
  // No prebuilt @parcel/watcher can be downloaded here; npm's bundled node-gyp builds it.
  await run(`${vscode}/node_modules/@parcel/watcher`, 'npm', 'exec', '--yes', '--', 'node-gyp', 'rebuild');
  // Paths that code-server's postinstall would have linked.
  symlinkSync('node_modules', join(CACHE, vscode, 'node_modules.asar'));
  symlinkSync('code-linux.sh', join(CACHE, vscode, 'bin/remote-cli/code-server'));
  symlinkSync('browser-linux.sh', join(CACHE, vscode, 'bin/helpers/browser.sh'));
  await run(`${vscode}/extensions`, 'npm', 'install', '--omit=dev', ...npmCi);
  await run('.', 'npm', 'rebuild', 'argon2');
  log.end();

  if (!existsSync(entry)) throw new Error(`code-server installed, but ${entry} is missing (see ${LOG})`);
  writeFileSync(STAMP, stampContent());
  console.error(`e2e: code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return entry;
}

/** Runs one install step with its output in the log; a failure names the step and shows the log's end. */
function step(log: NodeJS.WritableStream, cwd: string, cmd: string, args: string[]): Promise<void> {
  log.write(`\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
  return new Promise((done, fail) => {
    // yes=true lets node-pty's own install script run `npx node-gyp` without asking.
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_yes: 'true' },
    });
    let tail = '';
    const keep = (d: Buffer) => {
      log.write(d);
      tail = (tail + d.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done();
      else
        fail(
          new Error(
            `code-server install step failed (${cmd} ${args.join(' ')} in ${cwd}, exit ${code}); ${SETUP_HINT}\n${tail}`,
          ),
        );
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await ensureCodeServer());
