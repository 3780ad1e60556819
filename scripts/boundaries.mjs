// The import boundaries between the sides (docs/ARCHITECTURE.md: Invariants), checked on what esbuild
// actually bundled: its metafile lists every file a bundle pulls in, directly or through another file,
// and each file's imports, so a forbidden import fails the build wherever it hides.

/** The src/common files a webview may bundle: pure code, no Node built-ins. */
export const WEBVIEW_COMMON = ['src/common/plural.ts', 'src/common/runFiles.ts'];

const under = (file, ...folders) => folders.some((f) => file.startsWith(f));

/** Per side, why a bundled file may not be in its bundle (undefined: it may). */
const PLACES = {
  extension: () => undefined,
  trainer: (file) =>
    under(file, 'src/extension/') ? 'the trainer may not use extension host code' : undefined,
  webview: (file) =>
    under(file, 'webview/', 'src/protocol/') ||
    /(^|\/)node_modules\//.test(file) ||
    WEBVIEW_COMMON.includes(file)
      ? undefined
      : `a webview may use only webview/, src/protocol/ and the pure src/common files named in scripts/boundaries.mjs (${WEBVIEW_COMMON.join(', ')})`,
};

/** Per side, why `file` may not import the external module `name` (`vscode`, `node:fs`). */
const EXTERNALS = {
  extension: () => undefined,
  trainer: (file, name) =>
    name === 'vscode'
      ? 'the trainer runs without VS Code (the command line, the language server)'
      : undefined,
  webview: () => 'a webview runs in the browser and bundles what it uses: no Node built-ins, no vscode',
};

/** On every side: shared code never uses VS Code, so every side can bundle it. */
const shared = (file, name) =>
  name === 'vscode' && under(file, 'src/protocol/', 'src/common/')
    ? 'src/protocol and src/common are shared by every side and never import vscode'
    : undefined;

/**
 * One line per broken boundary in a bundle of `side` ('extension' | 'trainer' | 'webview'), from
 * esbuild's metafile (paths relative to the repository): "<file> imports <what>: <why>".
 */
export function boundaryProblems(side, metafile) {
  const problems = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      const why = imp.external
        ? (shared(file, imp.path) ?? EXTERNALS[side](file, imp.path))
        : PLACES[side](imp.path);
      if (why) problems.push(`${file} imports ${imp.path}: ${why}`);
    }
  }
  return problems;
}
