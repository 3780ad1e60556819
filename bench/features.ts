// npm run bench -- features [--repeat N] [--batch B] [--threads T] [--images N] [--no-torch]
//
// Embedding throughput of feature models: the forward pass of a ResNet-18-shaped model at 224 px
// and of a small CNN at 96 px (random weights; ONNX files written by test/trainer/onnxWriter.ts)
// through onnxruntime-node as ClusterLab runs them (openFeatureModel), against PyTorch CPU's forward
// of the same architectures (bench/features_torch.py, Debian's python3-torch), alternated in one run
// so machine load hits both alike; then the whole pipeline (JPEG decode, resize, normalise, forward,
// cache write) on generated photos-sized images. Writes bench/results/features.json and .md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { embedImages, openWithPreprocessing } from '../src/trainer/features/modelEmbeddings.js';
import { resnet18Model, smallModel } from '../test/trainer/onnxWriter.js';

const { values: opts } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    batch: { type: 'string', default: '16' },
    threads: { type: 'string', default: String(availableParallelism()) },
    steps: { type: 'string', default: '10' },
    images: { type: 'string', default: '128' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const REPEAT = Number(opts.repeat);
const BATCH = Number(opts.batch);
const STEPS = Number(opts.steps);

interface Arch {
  arch: 'resnet18' | 'small';
  size: number;
  onnx: Uint8Array;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function ortForward(file: string): Promise<number> {
  const { model, prep } = await openWithPreprocessing(file, () => {});
  try {
    const input = Float32Array.from({ length: BATCH * 3 * prep.size * prep.size }, () => Math.random());
    for (let i = 0; i < 2; i++) await model.run(input, BATCH, prep);
    const times: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      await model.run(input, BATCH, prep);
      times.push((performance.now() - t0) / 1000);
    }
    return BATCH / median(times);
  } finally {
    await model.dispose();
  }
}

function torchForward(a: Arch): number | string {
  const script = fileURLToPath(new URL('./features_torch.py', import.meta.url));
  let lastErr = 'no python3 with torch found';
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(
      py,
      [
        script,
        '--arch',
        a.arch,
        '--size',
        String(a.size),
        '--batch',
        String(BATCH),
        '--threads',
        opts.threads!,
        '--steps',
        String(STEPS),
      ],
      { encoding: 'utf8', timeout: 900_000 },
    );
    const line = r.stdout?.trim().split('\n').pop();
    if (r.status === 0 && line?.startsWith('{')) return (JSON.parse(line) as { imgPerSec: number }).imgPerSec;
    if (r.stderr?.includes('No module named')) continue;
    lastErr = (r.error?.message ?? r.stderr?.trim().split('\n').pop() ?? `exit ${r.status}`) || lastErr;
  }
  return lastErr;
}

async function pipeline(
  dir: string,
  file: string,
  n: number,
): Promise<{ imgPerSec: number; cachedSeconds: number }> {
  const imgDir = join(dir, 'photos');
  mkdirSync(imgDir, { recursive: true });
  const images = [];
  for (let i = 0; i < n; i++) {
    const abs = join(imgDir, `p${i}.jpg`);
    const px = Buffer.alloc(640 * 480 * 3);
    for (let k = 0; k < px.length; k++) px[k] = (k * (i + 7) + (k >> 9)) & 0xff;
    await sharp(px, { raw: { width: 640, height: 480, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(abs);
    const s = await stat(abs);
    images.push({ abs, size: s.size, mtimeMs: s.mtimeMs });
  }
  const cache = join(dir, 'cache');
  const t0 = performance.now();
  await embedImages(file, images, cache, { log: () => {} });
  const imgPerSec = n / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  await embedImages(file, images, cache, { log: () => {} });
  return { imgPerSec, cachedSeconds: (performance.now() - t1) / 1000 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterlab-bench-features-'));
  const archs: Arch[] = [
    { arch: 'resnet18', size: 224, onnx: resnet18Model({ size: 224 }) },
    { arch: 'small', size: 96, onnx: smallModel({ size: 96 }) },
  ];
  const load0 = loadavg()[0]!;
  const rows = [];
  try {
    for (const a of archs) {
      const file = join(dir, `${a.arch}.onnx`);
      writeFileSync(file, a.onnx);
      const ort: number[] = [];
      const torch: number[] = [];
      let torchSkip: string | undefined;
      for (let r = 0; r < REPEAT; r++) {
        ort.push(await ortForward(file));
        if (!opts['no-torch'] && !torchSkip) {
          const t = torchForward(a);
          if (typeof t === 'string') torchSkip = t;
          else torch.push(t);
        }
        console.log(
          `${a.arch} ${a.size}px round ${r + 1}: onnxruntime ${ort.at(-1)!.toFixed(1)} img/s${torch.length ? `, PyTorch ${torch.at(-1)!.toFixed(1)} img/s` : ''}`,
        );
      }
      const row = {
        arch: a.arch,
        size: a.size,
        onnxruntime: { imgPerSec: median(ort), runs: ort.map((x) => +x.toFixed(2)) },
        ...(torch.length
          ? { torch: { imgPerSec: median(torch), runs: torch } }
          : { torchSkipped: torchSkip ?? 'not asked (--no-torch)' }),
        ...(torch.length
          ? {
              ratio: +(median(ort) / median(torch)).toFixed(2),
              ratioPerRound: ort.map((o, i) => +(o / torch[i]!).toFixed(2)),
            }
          : {}),
      };
      rows.push(row);
    }
    const e2e = await pipeline(dir, join(dir, 'resnet18.onnx'), Number(opts.images));
    console.log(
      `pipeline (640x480 JPEG -> resnet18 224 px, cache written): ${e2e.imgPerSec.toFixed(1)} img/s; all ${opts.images} from the cache: ${e2e.cachedSeconds.toFixed(2)} s`,
    );
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        loadavgAtStart: +load0.toFixed(2),
        loadavgAtEnd: +loadavg()[0]!.toFixed(2),
      },
      batch: BATCH,
      threads: Number(opts.threads),
      steps: STEPS,
      repeat: REPEAT,
      forward: rows,
      pipeline: { model: 'resnet18 224 px', images: Number(opts.images), source: '640x480 JPEG', ...e2e },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/features.json', JSON.stringify(result, null, 2) + '\n');
    const md = [
      `| model | input | onnxruntime-node img/s | PyTorch CPU img/s | ratio (per round) |`,
      `|---|---|---|---|---|`,
      ...rows.map(
        (r) =>
          `| ${r.arch === 'resnet18' ? 'ResNet-18 shape' : 'small CNN (4 conv)'} | ${r.size} px | ${r.onnxruntime.imgPerSec.toFixed(1)} | ${'torch' in r ? r.torch!.imgPerSec.toFixed(1) : `skipped: ${r.torchSkipped}`} | ${'ratio' in r ? `${r.ratio}x (${r.ratioPerRound!.join(', ')})` : '-'} |`,
      ),
      '',
      `Pipeline (640x480 JPEG decode + resize + normalise + ResNet-18 forward + cache write): ${e2e.imgPerSec.toFixed(1)} img/s; a second pass over the ${opts.images} images from the cache: ${e2e.cachedSeconds.toFixed(2)} s.`,
      `Batch ${BATCH}; PyTorch on ${opts.threads} threads, onnxruntime on its default (one per core); median of ${STEPS} batches per round, ${REPEAT} rounds alternating the two; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (${cpus().length} cores).`,
    ].join('\n');
    writeFileSync('bench/results/features.md', md + '\n');
    console.log('\n' + md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
