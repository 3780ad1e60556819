/**
 * The language features of `*.clusterlab.yaml` files in the trainer's language server:
 * diagnostics as the file changes (the parser's and the dataset checks, the same the CLI runs),
 * completion, hover, and code lenses that run the experiment or a run of it, or compare its runs.
 */
import {
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { allProblems } from '../../common/experiment/dataset.js';
import { inspectFeatureModel } from '../features/inspect.js';
import { EXPERIMENT_MAX_CHARS, isExperimentFile } from '../../common/experiment/format.js';
import { parseExperiment } from '../../common/experiment/parse.js';
import { describeFolder } from '../../common/datasets.js';
import { complete, hover } from './assist.js';

export const experimentCapabilities: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  completionProvider: { triggerCharacters: [' ', ':'] },
  hoverProvider: true,
  codeLensProvider: { resolveProvider: false },
};

/** Images per folder, for a few seconds: typing re-checks the file on every change. */
const COUNT_TTL_MS = 5000;
/** Diagnostics wait this long after the last change. */
const DEBOUNCE_MS = 150;

const KIND = {
  method: CompletionItemKind.Module,
  setting: CompletionItemKind.Property,
  field: CompletionItemKind.Field,
  value: CompletionItemKind.EnumMember,
};

function pathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function serveExperiments(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const counts = new Map<string, { images: Promise<number>; at: number }>();
  const countImages = (dir: string): Promise<number> => {
    const hit = counts.get(dir);
    if (hit && performance.now() - hit.at < COUNT_TTL_MS) return hit.images;
    const images = describeFolder(dir).then((d) => d.images);
    counts.set(dir, { images, at: performance.now() });
    return images;
  };
  const timers = new Map<string, NodeJS.Timeout>();
  const ours = (uri: string) => isExperimentFile(uri);
  // Completion and hover parse the whole text too: a file over the cap gets its one diagnostic, no more work.
  const assisted = (uri: string) => {
    const doc = documents.get(uri);
    return doc && ours(doc.uri) && doc.getText().length <= EXPERIMENT_MAX_CHARS ? doc : undefined;
  };

  const validate = async (doc: TextDocument): Promise<void> => {
    const text = doc.getText();
    const exp = parseExperiment(text, pathOf(doc.uri));
    const problems = await allProblems(exp, countImages, inspectFeatureModel);
    // A newer version may have arrived while the folder was read: its own check reports it.
    if (documents.get(doc.uri)?.version !== doc.version) return;
    const diagnostics: Diagnostic[] = problems.map((p) => ({
      range: {
        start: doc.positionAt(p.span.start),
        end: doc.positionAt(Math.max(p.span.end, p.span.start + 1)),
      },
      message: p.message,
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: 'clusterlab',
    }));
    await connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  };
  const schedule = (doc: TextDocument) => {
    if (!ours(doc.uri)) return;
    clearTimeout(timers.get(doc.uri));
    timers.set(
      doc.uri,
      setTimeout(
        () =>
          void validate(doc).catch((e: Error) =>
            connection.console.error(`checking ${doc.uri}: ${e.message}`),
          ),
        DEBOUNCE_MS,
      ),
    );
  };
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion((p) => {
    const doc = assisted(p.textDocument.uri);
    if (!doc) return [];
    return complete(doc.getText(), doc.offsetAt(p.position)).map((s) => ({
      label: s.label,
      kind: KIND[s.kind],
      detail: s.detail,
      ...(s.doc ? { documentation: { kind: MarkupKind.Markdown, value: s.doc } } : {}),
    }));
  });
  connection.onHover((p) => {
    const doc = assisted(p.textDocument.uri);
    if (!doc) return null;
    const h = hover(doc.getText(), doc.offsetAt(p.position));
    return h
      ? {
          contents: { kind: MarkupKind.Markdown, value: h.markdown },
          range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) },
        }
      : null;
  });
  connection.onCodeLens((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !ours(doc.uri)) return [];
    const exp = parseExperiment(doc.getText(), pathOf(doc.uri));
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const n = exp.runs.length;
    const lenses: CodeLens[] = [
      {
        range: top,
        command: {
          title: `$(run-all) Run all (${n} run${n === 1 ? '' : 's'})`,
          command: 'clusterlab.runExperiment',
          arguments: [doc.uri],
        },
      },
      // The host maps the file to its run folders and calls clusterlab.compareRuns with them.
      {
        range: top,
        command: {
          title: '$(diff-multiple) Compare',
          command: 'clusterlab.compareExperiment',
          arguments: [doc.uri],
        },
      },
    ];
    for (const r of exp.runs.filter((r) => r.from === 'runs')) {
      const at = doc.positionAt(r.span.start);
      lenses.push({
        range: { start: at, end: at },
        command: {
          title: `$(play) Run ${r.name}`,
          command: 'clusterlab.runExperiment',
          arguments: [doc.uri, r.name],
        },
      });
    }
    if (exp.gridSpan) {
      const grid = exp.runs.filter((r) => r.from === 'grid');
      const at = doc.positionAt(exp.gridSpan.start);
      lenses.push({
        range: { start: at, end: at },
        command: {
          title: `$(play) Run grid (${grid.length} runs)`,
          command: 'clusterlab.runExperiment',
          arguments: [doc.uri, grid.map((r) => r.name)],
        },
      });
    }
    return lenses;
  });
  documents.listen(connection);
}
