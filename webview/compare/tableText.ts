/** The compare table as text to paste: Markdown (a GitHub table) or CSV (RFC 4180). Pure. */
import { csvField } from '../../src/common/runFiles.js';

export function tableText(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  format: 'markdown' | 'csv',
): string {
  if (format === 'csv') return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (r: readonly string[]) => `| ${r.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}
