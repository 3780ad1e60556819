// npm run bench -- <name> [args]: runs bench/<name>.ts, which prints numbers and writes bench/results/<name>.json.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...rest] = process.argv.slice(2);
const known = readdirSync('bench')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(`bench/${name}.ts`)) {
  console.error(`usage: npm run bench -- <${known.join('|')}> [options]`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
