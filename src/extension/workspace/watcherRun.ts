/**
 * Notices a run folder's files changing (a training writing metrics.jsonl, finishing with
 * assignments.csv), so open views redraw live. labels.json is reported apart (`onLabels`): this
 * window's labels store writes it and tells the views itself, another window's write is news.
 */
import { watch } from 'chokidar';
import { basename } from 'node:path';
import { LABELS_FILE } from '../../protocol/labels.js';

const WATCHED = new Set([
  'run.json',
  'metrics.jsonl',
  'assignments.csv',
  'summary.json',
  'features.json',
  'layout.json',
]);

export function watchRunFolder(
  dir: string,
  onChange: () => void,
  debounceMs = 250,
  onLabels?: () => void,
): { dispose(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let labelsTimer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    ignored: (p, st) => p !== dir && (st?.isDirectory() ?? false),
  });
  const poke = (p: string) => {
    if (onLabels && basename(p) === LABELS_FILE) {
      clearTimeout(labelsTimer);
      labelsTimer = setTimeout(onLabels, debounceMs);
    }
    if (!WATCHED.has(basename(p))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  watcher.on('add', poke).on('change', poke).on('unlink', poke);
  return {
    dispose: async () => {
      clearTimeout(timer);
      clearTimeout(labelsTimer);
      await watcher.close();
    },
  };
}
