// One code-server session for an e2e suite: a temp home and workspace (filled by `prepare`),
// code-server and the workbench before the suite's steps, all stopped and removed after; and
// `step`, a test that on failure leaves a screenshot and code-server's last words behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startCodeServer, type CodeServer } from './codeServer.js';
import { Workbench } from './workbench.js';

export interface E2eSession {
  readonly home: string;
  readonly workspace: string;
  readonly wb: Workbench;
  step(name: string, body: () => Promise<void>): void;
}

export function e2eSession(
  name: string,
  shotsDir: string,
  prepare: (workspace: string, home: string) => void,
): E2eSession {
  let home = '';
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  before(async () => {
    rmSync(shotsDir, { recursive: true, force: true });
    home = mkdtempSync(join(tmpdir(), `clusterlab-${name}-`));
    prepare(join(home, 'workspace'), home);
    server = await startCodeServer({ home, workspace: join(home, 'workspace') });
    wb = await Workbench.open(server.url, shotsDir);
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });
  return {
    get home() {
      return home;
    },
    get workspace() {
      return join(home, 'workspace');
    },
    get wb() {
      return wb!;
    },
    step: (title, body) =>
      it(title, async () => {
        try {
          await body();
        } catch (e) {
          const shot = await wb?.shot(`FAILED-${title.replace(/\W+/g, '-')}`).catch(() => 'none');
          throw new Error(
            `${(e as Error).message}\nscreenshot: ${shot}\nthe browser said:\n${wb?.browserLogTail()}\ncode-server said:\n${server?.output().slice(-3000)}${extensionLogs(home)}`,
            { cause: e },
          );
        }
      }),
  };
}

/** The ClusterLab output channel of each window (one per reload), last lines of the latest three: what the extension did. */
function extensionLogs(home: string): string {
  const logs: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // no logs yet
    }
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('ClusterLab.log')) logs.push(p);
    }
  };
  walk(join(home, 'user-data', 'logs'));
  return logs
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .slice(-3)
    .map(
      (p) =>
        `\nthe extension's log ${p.slice(home.length)}:\n${readFileSync(p, 'utf8').split('\n').slice(-40).join('\n')}`,
    )
    .join('');
}
