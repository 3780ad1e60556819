/**
 * The gallery's menus: a tile's context menu (open, reveal, copy the path, move, exclude or include
 * the selection), the cluster list a move picks from, and a cluster's "merge into" list.
 */
import type { GalleryToHost } from '../../src/protocol/galleryMessages.js';
import { showMenu, type MenuItem } from '../shared/menu.js';
import type { Gallery } from './sections.js';

export interface MenuContext {
  state(): Gallery | undefined;
  /** The selected paths; a right-click on an unselected tile selects it alone. */
  selected: Set<string>;
  redraw(): void;
  /** How many selected images are on the exclusion list. */
  selectedExcluded(): number;
  send(m: GalleryToHost): void;
}

export function galleryMenus(c: MenuContext) {
  function clusterItems(except?: number): MenuItem[] {
    return c
      .state()!
      .clusters.filter((x) => x.id !== except)
      .map((x) => ({ label: `${x.name} (${x.size})`, value: String(x.id) }));
  }

  function moveMenu(x: number, y: number, paths: string[]): void {
    if (!c.state() || paths.length === 0) return;
    showMenu(x, y, [...clusterItems(), '-', { label: 'New Cluster', value: 'new' }], (v) => {
      c.send(v === 'new' ? { type: 'moveToNew', paths } : { type: 'move', paths, to: Number(v) });
      c.selected.clear();
    });
  }

  function tileMenu(e: MouseEvent, path: string): void {
    if (!c.selected.has(path)) {
      c.selected.clear();
      c.selected.add(path);
      c.redraw();
    }
    const paths = [...c.selected];
    const n = paths.length;
    const include = c.selectedExcluded() === n;
    const exclude = {
      label: `${include ? 'Include Again' : 'Exclude from Dataset'}${n > 1 ? ` (${n} Images)` : ''}`,
      value: include ? 'include' : 'exclude',
    };
    showMenu(
      e.clientX,
      e.clientY,
      [
        { label: 'Open', value: 'open' },
        { label: 'Reveal in Explorer', value: 'reveal' },
        { label: 'Copy Path', value: 'copy' },
        '-',
        { label: n > 1 ? `Move ${n} Images to Cluster…` : 'Move to Cluster…', value: 'move' },
        exclude,
      ],
      (v) => {
        if (v === 'open') c.send({ type: 'open', path });
        else if (v === 'reveal') c.send({ type: 'reveal', path });
        else if (v === 'copy') c.send({ type: 'copyPath', path });
        else if (v === 'move') moveMenu(e.clientX, e.clientY, paths);
        else c.send({ type: 'exclude', paths, exclude: v === 'exclude' });
      },
    );
  }

  function mergeMenu(e: MouseEvent, cluster: number): void {
    const from = c.state()!.clusters.find((x) => x.id === cluster)!;
    showMenu(
      e.clientX,
      e.clientY,
      clusterItems(cluster).map((x) => ({ ...x, label: `Merge “${from.name}” into ${x.label}` })),
      (v) => c.send({ type: 'merge', from: cluster, into: Number(v) }),
    );
  }

  return { moveMenu, tileMenu, mergeMenu };
}
