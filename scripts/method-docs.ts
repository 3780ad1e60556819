// What the method specs (src/common/methods) and the run fields' spec (src/common/runFields.ts)
// decide outside the code: the README's method and settings tables, package.json's
// clusterlab.defaultMethod enum and its run-field settings (clusterlab.backend, imageSize,
// batchSize), and the README's run-fields table. `npm run method-docs` rewrites them; test/unit/methodsRegistry.test.ts and
// test/unit/runFields.test.ts check they are current.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METHOD_NAMES, METHOD_SPECS, settingKind } from '../src/common/methods/index.js';
import {
  defaultText,
  fieldRange,
  RUN_FIELD_NAMES,
  runField,
  type RunFieldSpec,
} from '../src/common/runFields.js';

export const BEGIN =
  '<!-- method-settings:begin (generated from src/common/methods: npm run method-docs) -->';
export const END = '<!-- method-settings:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function settingsMarkdown(): string {
  const out = ['| method | | epochs | batch | `--lr` |', '|---|---|---|---|---|'];
  for (const m of METHOD_NAMES) {
    const s = METHOD_SPECS[m];
    out.push(
      `| \`${m}\` | ${s.label}: ${cell(s.description)} | ${s.defaults.epochs} | ${s.defaults.batchSize} | ${s.defaults.learningRate} |`,
    );
  }
  for (const m of METHOD_NAMES) {
    out.push(
      '',
      `\`${m}\` settings (\`--param NAME=VALUE\`):`,
      '',
      '| setting | default | allowed | what it does | paper (why we differ) |',
      '|---|---|---|---|---|',
    );
    for (const [key, s] of Object.entries(METHOD_SPECS[m].settings)) {
      const value = s.derived ? `derived: ${s.derived}` : `\`${s.default}\``;
      const allowed = `${settingKind(s)}${s.unit ? ` (${s.unit})` : ''}`;
      const paper = s.paper ? `\`${s.paper.value}\`: ${s.paper.why}` : '';
      out.push(`| \`${key}\` | ${cell(value)} | ${cell(allowed)} | ${cell(s.doc)} | ${cell(paper)} |`);
    }
  }
  return [BEGIN, ...out, END].join('\n');
}

export const FIELDS_BEGIN =
  '<!-- run-fields:begin (generated from src/common/runFields.ts: npm run method-docs) -->';
export const FIELDS_END = '<!-- run-fields:end -->';

/** The run fields as the README's table: flag, experiment-file key, default, allowed values, doc. */
export function runFieldsMarkdown(): string {
  const out = [
    '| setting | command line | experiment file | VS Code | default | allowed | what it does |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const n of RUN_FIELD_NAMES) {
    const f = runField(n);
    const flag = f.switchFor ? `\`--${f.flag}\`` : `\`--${f.flag} ${f.metavar ?? 'NAME'}\``;
    const key = f.file
      ? `\`${f.file.key}\`${f.file.in === 'runs' ? ' (also per run and in the grid)' : ''}`
      : '';
    const setting = f.setting ? `\`clusterlab.${f.setting.name}\`` : '';
    out.push(
      `| ${f.label} | ${flag} | ${key} | ${setting} | ${cell(defaultText(f))} | ${cell(fieldRange(f))} | ${cell(f.doc)} |`,
    );
  }
  return [FIELDS_BEGIN, ...out, FIELDS_END].join('\n');
}

/** The README with a generated block (the method tables by default) replaced by `block`. */
export function withBlock(readme: string, block: string, begin = BEGIN, endMark = END): string {
  const start = readme.indexOf(begin);
  const end = readme.indexOf(endMark);
  if (start < 0 || end < start) throw new Error(`README.md has no ${begin} ... ${endMark} block`);
  return readme.slice(0, start) + block + readme.slice(end + endMark.length);
}

/** package.json (its text) with the defaultMethod enum and descriptions the specs give. */
export function withMethodEnum(packageJson: string): string {
  const pkg = JSON.parse(packageJson);
  const properties = pkg.contributes.configuration.properties;
  const setting = properties['clusterlab.defaultMethod'];
  setting.enum = [...METHOD_NAMES];
  setting.enumDescriptions = METHOD_NAMES.map(
    (m) => `${METHOD_SPECS[m].label}: ${METHOD_SPECS[m].description}`,
  );
  for (const n of RUN_FIELD_NAMES) {
    const f = runField(n);
    if (f.setting)
      properties[`clusterlab.${f.setting.name}`] = fieldSetting(
        f,
        properties[`clusterlab.${f.setting.name}`] ?? {},
      );
  }
  return JSON.stringify(pkg, null, 2) + '\n';
}

/**
 * A run field's contributed setting: type, default and range, or its choices with their docs. A
 * field whose setting's 0 means "the method's default" (batchSize) allows 0 below its range and
 * lists each method's default.
 */
function fieldSetting(f: RunFieldSpec, now: Record<string, unknown>): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(now).filter(([k]) => !GENERATED_KEYS.includes(k)));
  const zero = f.setting?.zeroIsMethods;
  const value = typeof f.default === 'object' ? (zero ? 0 : undefined) : f.default;
  const range =
    f.type === 'choice'
      ? { enum: f.choices, ...(f.choiceDocs ? { enumDescriptions: f.choiceDocs } : {}) }
      : { minimum: zero ? 0 : f.min, maximum: f.max };
  const type = f.type === 'choice' ? 'string' : f.type;
  const head = f.type === 'choice' ? { type, ...range, default: value } : { type, default: value, ...range };
  let description = f.setting?.description;
  if (zero && typeof f.default === 'object') {
    const key = f.default.method;
    description += ` (${METHOD_NAMES.map((m) => `${METHOD_SPECS[m].label} ${METHOD_SPECS[m].defaults[key]}`).join(', ')}).`;
  }
  return { ...head, ...rest, description };
}

/** What fieldSetting writes; a setting's other keys (scope, markdownDescription) are kept. */
const GENERATED_KEYS = ['type', 'default', 'minimum', 'maximum', 'enum', 'enumDescriptions', 'description'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = withBlock(readFileSync('README.md', 'utf8'), settingsMarkdown());
  writeFileSync('README.md', withBlock(readme, runFieldsMarkdown(), FIELDS_BEGIN, FIELDS_END));
  writeFileSync('package.json', withMethodEnum(readFileSync('package.json', 'utf8')));
}
