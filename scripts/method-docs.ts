// What the method specs (src/common/methods) decide outside the code: the README's method and
// settings tables and package.json's clusterlab.defaultMethod enum. `npm run method-docs` rewrites
// both; test/unit/methods-registry.test.ts checks they are current.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METHOD_NAMES, METHOD_SPECS, settingKind } from '../src/common/methods/index.js';

export const BEGIN = '<!-- method-settings:begin (generated from src/common/methods: npm run method-docs) -->';
export const END = '<!-- method-settings:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function settingsMarkdown(): string {
  const out = ['| method | | epochs | batch | `--lr` |', '|---|---|---|---|---|'];
  for (const m of METHOD_NAMES) {
    const s = METHOD_SPECS[m];
    out.push(`| \`${m}\` | ${s.label}: ${cell(s.description)} | ${s.defaults.epochs} | ${s.defaults.batchSize} | ${s.defaults.learningRate} |`);
  }
  for (const m of METHOD_NAMES) {
    out.push('', `\`${m}\` settings (\`--param NAME=VALUE\`):`, '', '| setting | default | allowed | what it does | paper (why we differ) |', '|---|---|---|---|---|');
    for (const [key, s] of Object.entries(METHOD_SPECS[m].settings)) {
      const value = s.derived ? `derived: ${s.derived}` : `\`${s.default}\``;
      const allowed = `${settingKind(s)}${s.unit ? ` (${s.unit})` : ''}`;
      const paper = s.paper ? `\`${s.paper.value}\`: ${s.paper.why}` : '';
      out.push(`| \`${key}\` | ${cell(value)} | ${cell(allowed)} | ${cell(s.doc)} | ${cell(paper)} |`);
    }
  }
  return [BEGIN, ...out, END].join('\n');
}

/** The README with its generated block replaced by `block`. */
export function withBlock(readme: string, block: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return readme.slice(0, start) + block + readme.slice(end + END.length);
}

/** package.json (its text) with the defaultMethod enum and descriptions the specs give. */
export function withMethodEnum(packageJson: string): string {
  const pkg = JSON.parse(packageJson);
  const setting = pkg.contributes.configuration.properties['clusterlab.defaultMethod'];
  setting.enum = [...METHOD_NAMES];
  setting.enumDescriptions = METHOD_NAMES.map((m) => `${METHOD_SPECS[m].label}: ${METHOD_SPECS[m].description}`);
  return JSON.stringify(pkg, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync('README.md', withBlock(readFileSync('README.md', 'utf8'), settingsMarkdown()));
  writeFileSync('package.json', withMethodEnum(readFileSync('package.json', 'utf8')));
}
