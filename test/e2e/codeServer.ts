// Starts code-server on 127.0.0.1 with ClusterLab's VSIX installed and a workspace, in folders of
// its own (extensions, user data, pixel cache), and stops it with every process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installExtension } from './extension.js';
import { ensureCodeServer } from './install.js';

export interface CodeServer {
  /** The workbench on the workspace, e.g. http://127.0.0.1:41234/?folder=/tmp/ws */
  url: string;
  /** Everything code-server printed so far (its log, the extension host's errors). */
  output(): string;
  /** Settles when code-server exits, by stop() or not. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Folder for the extensions dir, user data and caches; the caller removes it. */
  home: string;
  workspace: string;
  /** 0 picks a free port. */
  port?: number;
  /** VS Code user settings.json. */
  settings?: Record<string, unknown>;
}

/** Settings that keep a first start quiet: no welcome page, no tips or prompts over the workbench. */
const QUIET: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.openRepositoryInParentFolders': 'never',
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const entry = await ensureCodeServer();
  const extensions = join(opts.home, 'extensions');
  const userData = join(opts.home, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User/settings.json'),
    JSON.stringify({ ...QUIET, ...opts.settings }, null, 2),
  );
  installExtension({
    codeServer: entry,
    extensionsDir: extensions,
    userDataDir: userData,
    vsix: join(opts.home, 'clusterlab.vsix'),
  });
  // Our own (empty) config: otherwise code-server reads, or writes, ~/.config/code-server/config.yaml.
  const config = join(opts.home, 'config.yaml');
  writeFileSync(config, '');

  const args = [
    entry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${opts.port ?? 0}`,
    '--config',
    config,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--extensions-dir',
    extensions,
    '--user-data-dir',
    userData,
    opts.workspace,
  ];
  // detached: its own process group, so stop() also ends the extension host and the trainer.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLUSTERLAB_CACHE: join(opts.home, 'pixel-cache') },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

  const origin = await listening(child, () => output, exited);
  return {
    url: `${origin}/?folder=${encodeURIComponent(opts.workspace)}`,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      const killed = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(killed);
    },
  };
}

/** The origin code-server prints once it listens (the real port when 0 was asked for). */
async function listening(child: ChildProcess, output: () => string, exited: Promise<void>): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
    if (m) return m[1]!;
    if (child.exitCode !== null)
      throw new Error(`code-server exited (${child.exitCode}) before listening:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`code-server did not listen within 60 s:\n${output()}`);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
  }
}
