import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

/** The real trainer language server in a child process, spoken to as the extension does, over node IPC. */
const SERVER = join(process.cwd(), 'dist', 'server.mjs');

export interface ServerChild {
  child: ChildProcess;
  conn: MessageConnection;
  /** What the server printed on stderr. */
  stderr: string[];
}

/** Forks the server; register notification handlers on `conn`, then call initialize. */
export function forkServer(env: NodeJS.ProcessEnv = {}): ServerChild {
  const child = fork(SERVER, ['--node-ipc'], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d) => stderr.push(String(d)));
  return {
    child,
    conn: createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child)),
    stderr,
  };
}

/** Starts listening and does the LSP handshake, as a client with work-done progress. */
export async function initialize(conn: MessageConnection): Promise<void> {
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { window: { workDoneProgress: true } },
  });
  await conn.sendNotification('initialized', {});
}

/** The orderly end the extension asks for: shutdown, exit, and the process gone. */
export async function shutdown(s: ServerChild): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  await exited;
  s.conn.dispose();
}
