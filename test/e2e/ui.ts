// `npm run ui`: ClusterLab, packaged and installed from its VSIX, in a real VS Code (code-server) on
// the embedded sample, for trying it in a browser without installing VS Code. Runs stay in
// sample/.clusterlab (gitignored), so the next start shows them again. Ctrl-C stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCodeServer } from './codeServer.js';

const home = mkdtempSync(join(tmpdir(), 'clusterlab-ui-'));
const port = Number(process.env.PORT ?? 0);
const server = await startCodeServer({ home, workspace: resolve('sample'), port });
console.log(`ClusterLab in VS Code: ${server.url}\n(open it in a browser; Ctrl-C stops it)`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
};
void server.exited.then(() => {
  if (stopping) return;
  console.error(`code-server stopped by itself:\n${server.output().slice(-4000)}`);
  process.exit(1);
});
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
