import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { METHOD_NAMES, METHOD_SPECS } from '../../src/common/methods/index.js';
import { forkServer, initialize, shutdown, type ServerChild } from './serverClient.js';

/** The real dist/server.mjs serving an experiment file as VS Code's language client would. */
let server: ServerChild;
const published = new Map<
  string,
  {
    version?: number;
    diagnostics: { message: string; range: { start: { line: number; character: number } } }[];
  }[]
>();
const dir = mkdtempSync(join(tmpdir(), 'clusterlab-lsp-'));
const file = join(dir, 'sweep.clusterlab.yaml');
const uri = pathToFileURL(file).href;
const data = join(process.cwd(), 'sample', 'fashion');
let version = 1;

before(async () => {
  server = forkServer();
  server.conn.onNotification(
    'textDocument/publishDiagnostics',
    (p: { uri: string; version?: number; diagnostics: never[] }) => {
      published.set(p.uri, [...(published.get(p.uri) ?? []), p]);
    },
  );
  await initialize(server.conn);
});

after(async () => {
  await shutdown(server);
});

async function diagnosticsFor(text: string): Promise<{ message: string; line: number; character: number }[]> {
  const v = ++version;
  if (v === 2)
    await server.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: v, text },
    });
  else
    await server.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: v },
      contentChanges: [{ text }],
    });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const hit = published.get(uri)?.find((p) => p.version === v);
    if (hit) return hit.diagnostics.map((d) => ({ message: d.message, ...d.range.start }));
    assert.ok(Date.now() < deadline, `no diagnostics for version ${v}: ${server.stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TEXT = `data: ${data}\nimageSize: 16\nruns:\n  - method: scan\n    clusters: 5000\n    settings:\n      entropyWeigth: 3\n  - method: cc\n    name: quick\ngrid:\n  methods: [cc]\n  seeds: [1, 2]\n`;

test('diagnostics follow the text as it is typed: a misspelt setting, too many clusters, then fixed', async () => {
  assert.deepEqual(await diagnosticsFor(TEXT), [
    { message: `5000 clusters but ${data} has only 2000 images`, line: 4, character: 14 },
    {
      message: "unknown setting 'entropyWeigth' for scan; did you mean 'entropyWeight'?",
      line: 6,
      character: 6,
    },
  ]);
  assert.deepEqual(
    await diagnosticsFor(TEXT.replace('entropyWeigth', 'entropyWeight').replace('5000', '10')),
    [],
  );
  const missing = await diagnosticsFor(
    TEXT.replace('entropyWeigth', 'entropyWeight').replace(`data: ${data}`, 'data: no-such-folder'),
  );
  assert.deepEqual(
    missing.map((d) => d.message),
    [`dataset folder ${join(dir, 'no-such-folder')} does not exist`],
  );
});

test("completion offers the run method's settings with their docs, method names, and the file's keys", async () => {
  const text = TEXT.replace('entropyWeigth: 3', 'entr');
  await diagnosticsFor(text);
  const at = (line: number, character: number) =>
    server.conn.sendRequest<{ label: string; detail?: string; documentation?: { value: string } }[]>(
      'textDocument/completion',
      { textDocument: { uri }, position: { line, character } },
    );
  const settings = await at(6, 10);
  const ew = settings.find((s) => s.label === 'entropyWeight');
  assert.ok(ew, `entropyWeight offered: ${settings.map((s) => s.label).join(', ')}`);
  assert.ok(
    ew.documentation!.value.includes(METHOD_SPECS.scan.settings.entropyWeight!.doc),
    ew.documentation!.value,
  );
  assert.match(ew.documentation!.value, /a number from 0 to 100 · default `5`/);
  assert.ok(!settings.some((s) => s.label === 'cropMin'), 'only SCAN settings under a SCAN run');
  const methods = await at(7, 12);
  assert.deepEqual(
    methods.map((m) => m.label),
    [...METHOD_NAMES],
  );
  const top = await at(9, 0);
  assert.ok(['data', 'imageSize', 'runs', 'grid', 'maxRuns'].every((k) => top.some((s) => s.label === k)));
});

test("completion under the grid's settings offers its methods' settings, and a choice's values", async () => {
  const text = `${TEXT}  settings:\n    cr\n    schedule: \n`;
  await diagnosticsFor(text);
  const at = (line: number, character: number) =>
    server.conn.sendRequest<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri },
      position: { line, character },
    });
  const grid = (await at(13, 6)).map((s) => s.label);
  assert.ok(grid.includes('cropMin') && !grid.includes('entropyWeight'), grid.join(', '));
  assert.deepEqual(
    (await at(14, 14)).map((s) => s.label),
    ['cosine', 'constant'],
  );
});

test("hover shows a setting's doc, range, default and the paper's value", async () => {
  const text = TEXT.replace('entropyWeigth: 3', 'mineOn: backbone');
  await diagnosticsFor(text);
  const h = await server.conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri },
    position: { line: 6, character: 8 },
  });
  assert.ok(h);
  assert.match(
    h.contents.value,
    /\*\*mineOn\*\* \(SCAN\)[\s\S]*backbone or projection · default `backbone`[\s\S]*Paper: `projection`/,
  );
  const m = await server.conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri },
    position: { line: 3, character: 14 },
  });
  assert.match(m!.contents.value, /SCAN.*18 epochs/s);
});

test('code lenses: run all and compare above the file, run above each run, run grid above the grid', async () => {
  await diagnosticsFor(TEXT.replace('5000', '10'));
  const lenses = await server.conn.sendRequest<
    {
      range: { start: { line: number } };
      command: { title: string; command: string; arguments: unknown[] };
    }[]
  >('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(
    lenses.map((l) => [l.range.start.line, l.command.title, l.command.command, l.command.arguments]),
    [
      [0, '$(run-all) Run all (4 runs)', 'clusterlab.runExperiment', [uri]],
      [0, '$(diff-multiple) Compare', 'clusterlab.compareExperiment', [uri]],
      [3, '$(play) Run scan-1', 'clusterlab.runExperiment', [uri, 'scan-1']],
      [7, '$(play) Run quick', 'clusterlab.runExperiment', [uri, 'quick']],
      [10, '$(play) Run grid (2 runs)', 'clusterlab.runExperiment', [uri, ['cc-s1', 'cc-s2']]],
    ],
  );
});

// Issue 26 and issue 30 bug 6 (each fails on adfa14c).

test('a 10^7-run grid and a file over the size cap each get their one diagnostic at once, and the server still answers', async () => {
  const list = (n: number, f: (i: number) => number) =>
    `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;
  const tenths = list(10, (i) => (i + 1) / 10);
  const bomb = `data: ${data}\ngrid:\n  methods: [cc]\n  clusters: ${list(10, (i) => i + 2)}\n  seeds: ${list(100, (i) => i)}\n  settings:\n${['cropMin', 'blur', 'instanceTemperature', 'clusterTemperature'].map((k) => `    ${k}: ${tenths}`).join('\n')}\n`;
  assert.deepEqual(await diagnosticsFor(bomb), [
    {
      message:
        'this experiment expands to 10000000 runs, more than maxRuns (100): narrow the grid, or raise maxRuns',
      line: 2,
      character: 2,
    },
  ]);
  const huge = `data: ${data}\nruns:\n${'  - method: cc\n'.repeat(20_000)}`;
  assert.deepEqual(
    (await diagnosticsFor(huge)).map((d) => d.message),
    [`this file is ${huge.length} characters long, more than the 65536 an experiment file may be`],
  );
  const h = await server.conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 2, character: 6 },
  });
  assert.equal(h, null, 'no hover over a file past the cap, and an answer at once');
});

test('one YAML syntax error is one diagnostic, not one per token of the seed list after it (issue 30, bug 6)', async () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i).join(', ');
  assert.deepEqual(await diagnosticsFor(`data: ${data}\ngrid:\n  methods: [cc]]\n  seeds: [${seeds}]\n`), [
    { message: 'Unexpected flow-seq-end token in YAML stream: "]"', line: 2, character: 15 },
  ]);
});

test('clusterlab/train refuses a run folder outside its runs folder before anything starts (finding 1)', async () => {
  const config = await server.conn.sendRequest<object>('clusterlab/defaults', { method: 'cc', data });
  const runsDir = join(dir, 'runs');
  for (const runDir of [
    join(dir, 'elsewhere'),
    join(runsDir, 'a', '..', '..', 'escaped'),
    join(runsDir, 'a', 'b'),
    runsDir,
  ]) {
    await assert.rejects(
      server.conn.sendRequest('clusterlab/train', { config, runsDir, runDir }),
      /run folder '.*' is not a folder directly inside the runs folder/,
      runDir,
    );
  }
  assert.ok(!existsSync(join(dir, 'elsewhere')) && !existsSync(join(dir, 'escaped')) && !existsSync(runsDir));
});
