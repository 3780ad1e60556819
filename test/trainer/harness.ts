import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real `clusterlab` command in a child process, on real PNGs from the embedded sample. */
const BIN = join(process.cwd(), 'bin', 'clusterlab.mjs');

export interface Harness {
  tmp: string;
  data: string;
  cache: string;
  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A temp folder with `perClass` images of each sample class in <super>/<class>/, plus a broken file. */
export function makeHarness(perClass: number): Harness {
  const tmp = mkdtempSync(join(tmpdir(), 'clusterlab-cli-'));
  const data = join(tmp, 'data');
  const sample = join(process.cwd(), 'sample', 'fashion');
  for (const sup of readdirSync(sample, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const cls of readdirSync(join(sample, sup.name), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const files = readdirSync(join(sample, sup.name, cls.name)).filter((f) => f.endsWith('.png')).sort().slice(0, perClass);
      for (const f of files) cpSync(join(sample, sup.name, cls.name, f), join(data, sup.name, cls.name, f));
    }
  }
  writeFileSync(join(data, 'bags', 'bag', 'broken.png'), 'this is not a png');
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CLUSTERLAB_DEBUG: '' } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  return { tmp, data, cache: join(tmp, 'cache'), run };
}

/** metrics.jsonl of a run folder as objects. */
export function readMetricsRows(dir: string): Record<string, any>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
