// Installs ClusterLab the way a user does: this platform's VSIX that `npm run package` makes (vsce, after the
// production build), put into code-server's extensions folder by its own --install-extension. So
// the tests run what ships, with only the dependencies the VSIX carries.
import { spawnSync } from 'node:child_process';

export interface InstallTarget {
  /** code-server's entry point. */
  codeServer: string;
  extensionsDir: string;
  userDataDir: string;
  /** Where the VSIX is written. */
  vsix: string;
}

export function installExtension(t: InstallTarget): void {
  run('npm', ['run', 'package', '--', '--target', `${process.platform}-${process.arch}`, '--out', t.vsix]);
  run(process.execPath, [
    t.codeServer,
    '--extensions-dir',
    t.extensionsDir,
    '--user-data-dir',
    t.userDataDir,
    '--install-extension',
    t.vsix,
  ]);
}

function run(cmd: string, args: string[]): void {
  // No stdin and CI set: vsce would otherwise wait for answers to its questions.
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`.slice(
        -4000,
      ),
    );
}
