// Bundles each side with esbuild: the extension host (CommonJS, as VS Code loads it), the
// trainer CLI (ESM, plain Node) and one browser bundle per webview page, with the codicon font.
// The wasm backend's binaries are copied next to the trainer bundle, where the backend looks first.
// Each bundle's imports are then checked against the sides' boundaries (scripts/boundaries.mjs):
// a forbidden import fails the build, naming the file.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { boundaryProblems } from './boundaries.mjs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  metafile: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'node20',
  platform: 'node',
};
// Native or optional packages stay outside the bundle and are resolved from node_modules at run time.
const external = [
  'sharp',
  'onnxruntime-node',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'vscode',
];
// Bundled CommonJS dependencies (tfjs) call require/__dirname; give the ESM bundle both.
const esmShim = [
  "import { createRequire as __clCreateRequire } from 'node:module';",
  "import { fileURLToPath as __clFileURLToPath } from 'node:url';",
  'const require = __clCreateRequire(import.meta.url);',
  'const __filename = __clFileURLToPath(import.meta.url);',
  "const __dirname = __clFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

mkdirSync('dist', { recursive: true });
const problems = [];
const check = (side, result) => problems.push(...boundaryProblems(side, result.metafile));
check(
  'extension',
  await build({
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    external,
  }),
);
// The trainer's two entries, the command line and the language server the extension starts. They keep
// their identifiers: the wasm backend's pthread workers break under identifier minification.
const trainerMinify = { minify: false, minifyWhitespace: production, minifySyntax: production };
check(
  'trainer',
  await build({
    ...common,
    ...trainerMinify,
    entryPoints: { cli: 'src/trainer/cli.ts', server: 'src/trainer/server.ts' },
    outdir: 'dist',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    external,
    banner: { js: esmShim },
  }),
);

// Webviews run in the browser: no Node built-ins, one self-contained module per page of the PAGES table.
const { PAGES } = await tsImport('../src/extension/views/pages.ts', import.meta.url);
check(
  'webview',
  await build({
    bundle: true,
    metafile: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    entryPoints: Object.fromEntries(Object.entries(PAGES).map(([name, page]) => [name, page.entry])),
    outdir: 'dist/webview',
  }),
);
if (problems.length > 0) {
  for (const p of problems) console.error(`boundary: ${p}`);
  process.exit(1);
}
mkdirSync('dist/webview/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf'])
  copyFileSync(join('node_modules/@vscode/codicons/dist', f), join('dist/webview/codicons', f));

const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(wasmDir, f), join('dist', f));
console.log('built dist/');
