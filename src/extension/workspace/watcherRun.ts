/**
 * Notices a run folder's files changing (a training writing metrics.jsonl, finishing with
 * assignments.csv), so open views redraw live. labels.json is left out: its writer, the labels
 * store, tells the views itself.
 */
import { watch } from 'chokidar';
import { basename } from 'node:path';

const WATCHED = new Set(['run.json', 'metrics.jsonl', 'assignments.csv', 'summary.json', 'features.json', 'layout.json']);

export function watchRunFolder(dir: string, onChange: () => void, debounceMs = 250): { dispose(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, ignored: (p, st) => p !== dir && (st?.isDirectory() ?? false) });
  const poke = (p: string) => {
    if (!WATCHED.has(basename(p))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  watcher.on('add', poke).on('change', poke).on('unlink', poke);
  return {
    dispose: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
