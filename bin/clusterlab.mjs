#!/usr/bin/env node
// The `clusterlab` command: the bundled trainer CLI (npm run build makes dist/cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error(`clusterlab: ${cli} is missing; run 'npm run build' first`);
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
