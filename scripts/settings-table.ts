// The README's method and settings tables, generated from the method specs (src/common/methods).
// `npm run settings-table` rewrites them in README.md; test/unit/methods-registry.test.ts checks them.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METHOD_NAMES, METHOD_SPECS, settingKind } from '../src/common/methods/index.js';

export const BEGIN = '<!-- method-settings:begin (generated from src/common/methods: npm run settings-table) -->';
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withBlock(readme, settingsMarkdown()));
}
