/**
 * The Runs view: each run of the workspace (method · dataset, status, ACC when labelled), its
 * clusters as the user sees them (labels.json names, moves and merges applied; named as the pages
 * name them, "Cluster 3" until renamed; and size), and each cluster's most confident images,
 * which open on click.
 */
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { clusterName, effectiveClusters } from '../../common/labels.js';
import type { Assignment, RunJson, RunStatus } from '../../protocol/run.js';
import { runLabelOf } from '../methods.js';
import {
  experimentItem,
  groupByExperiment,
  queuedItem,
  type ExperimentNode,
  type ExperimentSource,
  type QueuedNode,
} from './experimentNodes.js';
import type { BrokenRun, RunStore } from '../workspace/runStore.js';
import type { LiveChanges } from './runModel.js';
import { count } from '../../common/plural.js';

/** Images assigned live since training (by an open view's dataset watcher), so counts match the gallery's. */
export interface LiveSource {
  of(dir: string): LiveChanges | undefined;
  onDidChange(listener: (dir: string) => void): { dispose(): void };
}

export interface RunNode {
  kind: 'run';
  dir: string;
  run: RunJson;
  name?: string;
  acc?: number;
}

export interface BrokenRunNode extends BrokenRun {
  kind: 'broken';
}

interface ClusterNode {
  kind: 'cluster';
  dir: string;
  id: number;
  name: string;
  /** Members, most confident first. */
  members: { abs: string; path: string; confidence: number; label?: string }[];
}

interface ImageNode {
  kind: 'image';
  dir: string;
  abs: string;
  path: string;
  confidence: number;
  label?: string;
}

interface NoteNode {
  kind: 'note';
  text: string;
  warning: boolean;
}

export type RunsNode =
  RunNode | BrokenRunNode | ClusterNode | ImageNode | NoteNode | ExperimentNode<RunsNode> | QueuedNode;

const STATUS_ICON: Record<RunStatus, string> = {
  running: 'sync~spin',
  done: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  interrupted: 'debug-pause',
};

export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): void }[];

  constructor(
    private readonly store: RunStore,
    /** Images listed under each cluster. */
    private readonly topImages = 12,
    private readonly live?: LiveSource,
    /** Experiment sweeps: their runs are grouped under them. */
    private readonly experiments?: ExperimentSource,
  ) {
    this.subscriptions = [
      store.onDidChange(() => this.refresh()),
      ...(live ? [live.onDidChange(() => this.refresh())] : []),
    ];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    try {
      if (!node) return await this.runs();
      if (node.kind === 'run') return await this.clusters(node);
      if (node.kind === 'cluster')
        return node.members.slice(0, this.topImages).map((m) => ({ kind: 'image', dir: node.dir, ...m }));
      if (node.kind === 'experiment') return node.children;
      return [];
    } catch (e) {
      return [{ kind: 'note', text: (e as Error).message, warning: true }];
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run':
        return runItem(node);
      case 'broken': {
        const item = new vscode.TreeItem(basename(node.dir), vscode.TreeItemCollapsibleState.None);
        item.id = `run:${node.dir}`;
        item.description = 'unreadable';
        item.tooltip = node.error;
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'run.broken';
        return item;
      }
      case 'cluster': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `cluster:${node.dir}:${node.id}`;
        item.description = count(node.members.length, 'image');
        item.iconPath = new vscode.ThemeIcon('layers');
        item.contextValue = 'cluster';
        return item;
      }
      case 'image': {
        const uri = vscode.Uri.file(node.abs);
        const item = new vscode.TreeItem(basename(node.path), vscode.TreeItemCollapsibleState.None);
        item.id = `image:${node.dir}:${node.path}`;
        item.description = `${Math.round(node.confidence * 100)}%${node.label ? ` · ${node.label}` : ''}`;
        item.tooltip = node.path;
        item.iconPath = new vscode.ThemeIcon('file-media');
        item.resourceUri = uri;
        item.command = { command: 'vscode.open', title: 'Open Image', arguments: [uri] };
        item.contextValue = 'image';
        return item;
      }
      case 'experiment':
        return experimentItem(node);
      case 'queued':
        return queuedItem(node);
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.warning ? 'warning' : 'info');
        item.tooltip = node.text;
        return item;
      }
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  private async runs(): Promise<RunsNode[]> {
    const nodes: (RunNode | BrokenRunNode)[] = [];
    for (const r of await this.store.listAll()) {
      if (!('run' in r)) nodes.push({ kind: 'broken', ...r });
      else {
        const summary =
          r.run.status === 'done' ? await this.store.readSummary(r.dir).catch(() => undefined) : undefined;
        nodes.push({
          kind: 'run',
          dir: r.dir,
          run: r.run,
          ...(r.name ? { name: r.name } : {}),
          ...(summary?.acc !== undefined ? { acc: summary.acc } : {}),
        });
      }
    }
    const x = this.experiments;
    return x ? groupByExperiment(nodes, await x.queues(), (f) => x.isRunning(f)) : nodes;
  }

  private async clusters({ dir, run }: RunNode): Promise<RunsNode[]> {
    const trained = await this.store.readAssignments(dir);
    const live = trained && this.live?.of(dir);
    const rows = live
      ? [
          ...trained.filter((r) => !live.removed.has(r.path)),
          ...[...live.added].map(([path, a]): Assignment => ({
            path,
            cluster: a.cluster,
            confidence: a.confidence,
          })),
        ]
      : trained;
    if (!rows && run.error) {
      // A failed run says why, and which files the trainer could not read.
      const skipped = (run.skipped ?? [])
        .slice(0, 50)
        .map((s): NoteNode => ({ kind: 'note', text: `Skipped ${s.path}: ${s.reason}`, warning: true }));
      return [{ kind: 'note', text: `Failed: ${run.error}`, warning: true }, ...skipped];
    }
    if (!rows)
      return [
        {
          kind: 'note',
          text:
            run.status === 'running'
              ? 'Training… clusters appear when the run finishes'
              : 'No clusters: the run did not finish',
          warning: false,
        },
      ];
    const labels = await this.store.readLabels(dir);
    const cluster = effectiveClusters(
      rows.map((r) => r.path),
      rows.map((r) => r.cluster),
      labels,
    );
    const byId = new Map<number, ClusterNode>();
    rows.forEach((r, i) => {
      const id = cluster[i]!;
      let node = byId.get(id);
      if (!node)
        byId.set(id, (node = { kind: 'cluster', dir, id, name: clusterName(labels, id), members: [] }));
      node.members.push({
        abs: join(run.dataset.root, r.path),
        path: r.path,
        confidence: r.confidence,
        ...(r.label ? { label: r.label } : {}),
      });
    });
    const nodes = [...byId.values()].sort((a, b) => a.id - b.id);
    for (const n of nodes) n.members.sort((a, b) => b.confidence - a.confidence);
    return nodes;
  }
}

function runItem(node: RunNode): vscode.TreeItem {
  const { run } = node;
  // Under its experiment's group, a run goes by its name in the experiment file (unless the user renamed it).
  const item = new vscode.TreeItem(runLabelOf(run, node.name), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `run:${node.dir}`;
  const progress =
    run.status === 'done'
      ? ''
      : run.status === 'failed' && run.error
        ? ` · ${run.error}`
        : ` · epoch ${run.epoch}/${run.config.epochs}`;
  item.description = `${run.status}${progress}${node.acc !== undefined ? ` · ACC ${node.acc.toFixed(3)}` : ''}`;
  item.tooltip = [
    run.id,
    `Dataset: ${run.dataset.root} (${count(run.dataset.images, 'image')}, ${count(run.dataset.classes.length, 'class', 'classes')})`,
    `${run.config.clusters} clusters · ${run.config.imageSize} px · backbone ${run.config.backbone} · backend ${run.backend.name}`,
    `Epoch ${run.epoch} of ${run.config.epochs} · started ${run.startedAt}${run.endedAt ? ` · ended ${run.endedAt}` : ''}`,
    ...(run.error ? [`Error: ${run.error}`] : []),
  ].join('\n');
  item.iconPath = new vscode.ThemeIcon(STATUS_ICON[run.status]);
  item.contextValue = `run.${run.status}`;
  return item;
}
