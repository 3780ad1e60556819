import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { appendLine, writeFileAtomic, writeJsonAtomic } from '../../common/atomicFile.js';
import { readRunText } from '../../common/runFileRead.js';
import { checkRunJson, readExistingRunJson, RUN_JSON } from '../../common/runJson.js';
import { csvField, parseMetrics } from '../../common/runFiles.js';
import type { Assignment, MetricsRow, RunJson, SummaryJson } from '../../protocol/run.js';
import type { FeatureModelRecord } from '../features/modelEmbeddings.js';
import { ConfigError } from './config.js';
import { lockRun } from './runLock.js';

/** The files of one run folder, as ARCHITECTURE.md lays them out. Every write is atomic. */
export class RunFolder {
  constructor(readonly dir: string) {}

  get checkpointDir(): string {
    return join(this.dir, 'checkpoint');
  }

  /** Refuses a folder that already holds a run, so nothing is overwritten. */
  static async assertNew(dir: string): Promise<void> {
    if (await exists(join(dir, RUN_JSON))) {
      throw new ConfigError(
        `${dir} already holds a run: resume it with --resume ${dir}, or choose another --out`,
      );
    }
  }

  /**
   * Makes the folder for a new run (see assertNew) and locks it (runLock.ts); the caller unlocks
   * when the run ends. Checked again under the lock: another trainer may have taken the name.
   */
  static async create(dir: string): Promise<{ folder: RunFolder; unlock: () => Promise<void> }> {
    await RunFolder.assertNew(dir);
    const folder = new RunFolder(dir);
    await mkdir(folder.checkpointDir, { recursive: true });
    const unlock = await lockRun(dir);
    try {
      await RunFolder.assertNew(dir);
    } catch (e) {
      await unlock();
      throw e;
    }
    return { folder, unlock };
  }

  /** run.json (src/common/runJson.ts: checked, with the status to show); refused, naming the file, when absent or damaged. */
  readRun(): Promise<RunJson> {
    return readExistingRunJson(this.dir);
  }

  /** The one writer of run.json: what it writes is checked against the schema every reader checks. */
  async writeRun(run: RunJson): Promise<void> {
    const file = join(this.dir, RUN_JSON);
    await writeJsonAtomic(file, checkRunJson(run, file));
  }

  appendMetrics(row: MetricsRow): Promise<void> {
    return appendLine(join(this.dir, 'metrics.jsonl'), JSON.stringify(row));
  }

  async readMetrics(): Promise<MetricsRow[]> {
    return parseMetrics((await readRunText(this.dir, 'metrics.jsonl')) ?? '');
  }

  /** Drops rows of epochs after `epoch`: on resume they are trained again and would be doubled. */
  async truncateMetrics(epoch: number): Promise<void> {
    const keep = (await this.readMetrics()).filter((r) => r.epoch <= epoch);
    await writeFileAtomic(
      join(this.dir, 'metrics.jsonl'),
      keep.map((r) => JSON.stringify(r) + '\n').join(''),
    );
  }

  writeAssignments(rows: Assignment[]): Promise<void> {
    const lines = ['path,cluster,confidence,label'];
    for (const r of rows)
      lines.push([csvField(r.path), r.cluster, r.confidence.toFixed(6), csvField(r.label ?? '')].join(','));
    return writeFileAtomic(join(this.dir, 'assignments.csv'), lines.join('\n') + '\n');
  }

  /**
   * Every evaluated epoch's cluster of each image (Int32, little-endian, assignments.csv's order) in
   * clusters/epoch-<e>.i32: what rules that pick or combine epochs are studied on afterwards.
   */
  async writeEpochClusters(epoch: number, cluster: Int32Array): Promise<void> {
    await mkdir(join(this.dir, EPOCH_CLUSTERS), { recursive: true });
    const bytes = new Uint8Array(cluster.length * 4);
    const view = new DataView(bytes.buffer);
    cluster.forEach((c, i) => view.setInt32(i * 4, c, true));
    await writeFileAtomic(epochClustersPath(this.dir, epoch), bytes);
  }

  writeSummary(s: SummaryJson): Promise<void> {
    return writeJsonAtomic(join(this.dir, 'summary.json'), s);
  }

  /** feature-model.json: which feature model (content hash, preprocessing) made the embeddings the run clustered. */
  writeFeatureModel(record: FeatureModelRecord): Promise<void> {
    return writeJsonAtomic(join(this.dir, FEATURE_MODEL), {
      format: 'clusterlab-feature-model',
      version: 1,
      ...record,
    });
  }

  /** The record, or undefined when the run has none (no feature model, or trained before runs recorded it). */
  async readFeatureModel(): Promise<FeatureModelRecord | undefined> {
    const text = await readRunText(this.dir, FEATURE_MODEL);
    if (text === undefined) return undefined;
    let r: Partial<FeatureModelRecord> & { format?: string };
    try {
      r = JSON.parse(text) as typeof r;
    } catch (e) {
      throw new Error(`${join(this.dir, FEATURE_MODEL)} is damaged: ${(e as Error).message}`, { cause: e });
    }
    if (
      r.format !== 'clusterlab-feature-model' ||
      typeof r.sha256 !== 'string' ||
      typeof r.file !== 'string' ||
      !Number.isInteger(r.dim) ||
      typeof r.preprocessing !== 'object' ||
      r.preprocessing === null
    ) {
      throw new Error(`${join(this.dir, FEATURE_MODEL)} is damaged: it does not record a feature model`);
    }
    return { file: r.file, sha256: r.sha256, preprocessing: r.preprocessing, dim: r.dim! };
  }
}

const EPOCH_CLUSTERS = 'clusters';
const FEATURE_MODEL = 'feature-model.json';

/** Where writeEpochClusters puts epoch `epoch`'s clusters. */
export function epochClustersPath(dir: string, epoch: number): string {
  return join(dir, EPOCH_CLUSTERS, `epoch-${epoch}.i32`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
