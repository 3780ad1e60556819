/**
 * The Runs view's experiment groups: the runs an experiment's sweep trains (run.json
 * `experiment.file`), under one node with the sweep's progress, and the runs still queued.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { QueueFile } from '../../common/experiment/queue.js';
import type { RunStatus } from '../../protocol/run.js';

/** What the view needs to know of sweeps: their queue files, and which run in this window. */
export interface ExperimentSource {
  queues(): Promise<QueueFile[]>;
  isRunning(file: string): boolean;
}

/**
 * A run of the queue without a folder: queued while a sweep will train it (running here, or left
 * running by a reload: it continues); otherwise nothing will until Run all, and it says why it has
 * no folder (a finished sweep trained it, so it was deleted since).
 */
export type QueuedState = 'queued' | 'deleted' | 'not trained';

export interface QueuedNode {
  kind: 'queued';
  entry: string;
  dir: string;
  state: QueuedState;
}

export interface ExperimentNode<R> {
  kind: 'experiment';
  file: string;
  name: string;
  queue?: QueueFile;
  running: boolean;
  children: (R | QueuedNode)[];
}

type RunLike = {
  kind: 'run';
  dir: string;
  run: { status: RunStatus; experiment?: { file: string; entry: string } };
};

/** Groups the experiment runs among `nodes` (kept in their order otherwise) by experiment file. */
export function groupByExperiment<N extends { kind: string; dir: string }>(
  nodes: N[],
  queues: QueueFile[],
  isRunning: (file: string) => boolean,
): (N | ExperimentNode<N>)[] {
  const groups = new Map<string, ExperimentNode<N>>();
  const group = (file: string, queue?: QueueFile) => {
    let g = groups.get(file);
    if (!g)
      groups.set(
        file,
        (g = {
          kind: 'experiment',
          file,
          name: queue?.name ?? basename(file),
          running: isRunning(file),
          children: [],
        }),
      );
    if (queue) g.queue = queue;
    return g;
  };
  for (const q of queues) group(q.experiment, q);
  const out: (N | ExperimentNode<N>)[] = [];
  const placed = new Set<ExperimentNode<N>>();
  for (const n of nodes) {
    const file = n.kind === 'run' ? (n as unknown as RunLike).run.experiment?.file : undefined;
    if (!file) {
      out.push(n);
      continue;
    }
    const g = group(file);
    g.children.push(n);
    if (!placed.has(g)) {
      out.push(g);
      placed.add(g);
    }
  }
  for (const g of groups.values()) {
    // Queue order, with the runs not started yet as queued.
    const order = g.queue?.runs ?? [];
    const byDir = new Map(g.children.map((c) => [c.dir, c]));
    const state: QueuedState =
      g.running || g.queue?.state === 'running'
        ? 'queued'
        : g.queue?.state === 'finished'
          ? 'deleted'
          : 'not trained';
    g.children = [
      ...order.map(
        (r) => byDir.get(r.dir) ?? ({ kind: 'queued', entry: r.entry, dir: r.dir, state } as QueuedNode),
      ),
      ...g.children.filter((c) => !order.some((r) => r.dir === c.dir)),
    ];
    if (!placed.has(g) && g.children.length > 0) out.unshift(g);
  }
  return out;
}

export function experimentItem<N>(node: ExperimentNode<N>): vscode.TreeItem {
  const counts = new Map<string, number>();
  for (const c of node.children) {
    const s =
      (c as { kind: string }).kind === 'queued'
        ? (c as unknown as QueuedNode).state
        : (c as unknown as RunLike).run.status;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const total = node.children.length;
  const done = counts.get('done') ?? 0;
  const state = node.running
    ? 'running'
    : node.queue?.state === 'finished'
      ? 'finished'
      : node.queue?.state === 'cancelled'
        ? 'cancelled'
        : 'stopped';
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `experiment:${node.file}`;
  const rest = [...counts].filter(([s]) => s !== 'done').map(([s, n]) => `${n} ${s}`);
  item.description = `${done}/${total} done${rest.length > 0 ? ` · ${rest.join(' · ')}` : ''}`;
  item.tooltip = `${node.file}\nSweep ${state}: ${done} of ${total} runs done`;
  item.iconPath = new vscode.ThemeIcon(
    node.running ? 'sync~spin' : state === 'finished' ? 'pass-filled' : 'beaker',
  );
  item.contextValue = `experiment.${state}`;
  item.resourceUri = vscode.Uri.file(node.file);
  item.command = {
    command: 'vscode.open',
    title: 'Open Experiment',
    arguments: [vscode.Uri.file(node.file)],
  };
  return item;
}

export function queuedItem(node: QueuedNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.entry, vscode.TreeItemCollapsibleState.None);
  item.id = `queued:${node.dir}`;
  item.description =
    node.state === 'queued'
      ? 'queued'
      : `${node.state} · Run all to train${node.state === 'deleted' ? ' again' : ''}`;
  item.tooltip =
    node.state === 'queued'
      ? 'The sweep trains it in turn.'
      : node.state === 'deleted'
        ? 'Its folder was deleted after the sweep finished; nothing trains it until Run all.'
        : 'The sweep stopped before it; nothing trains it until Run all.';
  item.iconPath = new vscode.ThemeIcon(node.state === 'queued' ? 'clock' : 'circle-outline');
  item.contextValue = node.state === 'queued' ? 'queued' : 'unqueued';
  return item;
}
