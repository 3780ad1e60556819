import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMetrics } from '../../src/common/runFiles.js';
import { checkpointEpoch } from '../../src/trainer/run/checkpoint.js';
import { SMALL_RUNS } from '../trainer/smallRuns.js';

/**
 * Small runs that are killed and resumed, shared by the reliability tests and the soak bench:
 * how to start one (every method's small run is in test/trainer/smallRuns.ts), when to kill it, and what its folder must
 * look like after a SIGKILL.
 */

export { trainArgs, type SmallRun } from '../trainer/smallRuns.js';
export const CC_RUN = SMALL_RUNS.cc;
export const SCAN_RUN = SMALL_RUNS.scan;

export function resumeArgs(cache: string, out: string): string[] {
  return ['train', '--resume', out, '--cache', cache];
}

/** Resolves once the run's checkpoint holds `epoch` (the manifest is the commit point); `exit` settles when its trainer ends. */
export async function waitForCheckpoint(out: string, epoch: number, exit: Promise<unknown>): Promise<void> {
  let ended = false;
  void exit.then(() => (ended = true));
  const manifest = join(out, 'checkpoint', 'manifest.json');
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { epoch: number }).epoch >= epoch) return;
    } catch {
      // Not written yet.
    }
    if (ended) throw new Error(`the run in ${out} ended before its checkpoint of epoch ${epoch}`);
    await sleep(5);
  }
}

/**
 * What a killed run left behind, read the way a resume and the extension read it. Returns the
 * problems found (none for an intact folder) and the epoch of the checkpoint, 0 when there is none.
 */
export async function inspectRunFolder(
  out: string,
): Promise<{ problems: string[]; checkpoint: number; started: boolean }> {
  const problems: string[] = [];
  const started = existsSync(join(out, 'run.json'));
  if (started) {
    try {
      const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { format?: string };
      if (run.format !== 'clusterlab-run') problems.push('run.json is not a run file');
    } catch (e) {
      problems.push(`run.json does not parse: ${(e as Error).message}`);
    }
  }
  if (existsSync(join(out, 'metrics.jsonl'))) {
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    // Only the last line may be torn: an append cut short by the kill.
    const rows = parseMetrics(lines.join('\n'));
    if (rows.length < lines.length - 1)
      problems.push(`metrics.jsonl: ${lines.length - rows.length} unparseable lines`);
    if (rows.some((r, i) => r.epoch !== i + 1))
      problems.push(`metrics.jsonl epochs are ${rows.map((r) => r.epoch).join(',')}`);
  }
  let checkpoint = 0;
  try {
    checkpoint = await checkpointEpoch(join(out, 'checkpoint'));
    if (checkpoint > 0) {
      const m = JSON.parse(readFileSync(join(out, 'checkpoint', 'manifest.json'), 'utf8')) as {
        file: string;
        bytes: number;
      };
      const size = statSync(join(out, 'checkpoint', m.file), { throwIfNoEntry: false })?.size;
      if (size !== m.bytes)
        problems.push(`checkpoint ${m.file} has ${size ?? 'no'} bytes, its manifest says ${m.bytes}`);
    }
  } catch (e) {
    problems.push(`checkpoint: ${(e as Error).message}`);
  }
  return { problems, checkpoint, started };
}
