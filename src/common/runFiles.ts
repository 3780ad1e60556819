/**
 * A run folder's text formats (assignments.csv, metrics.jsonl): the trainer writes them and reads
 * its metrics back on resume; the extension host reads them for its views and exports CSV too.
 */
import type { Assignment, MetricsRow, SummaryJson } from '../protocol/run.js';

/** metrics.jsonl rows; a torn last line (a crash mid-append) is skipped, the rows before it are kept. */
export function parseMetrics(text: string): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const row = JSON.parse(line) as unknown;
      if (typeof row === 'object' && row !== null && !Array.isArray(row)) rows.push(row as MetricsRow);
    } catch {
      continue;
    }
  }
  return rows;
}

/** summary.json's text; errors name `file`. Only its shape is checked: readers check the fields they use. */
export function parseSummary(text: string, file: string): SummaryJson {
  try {
    const s = JSON.parse(text) as SummaryJson;
    if (typeof s !== 'object' || s === null || !Array.isArray(s.sizes))
      throw new Error('expected an object with sizes');
    return s;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** RFC 4180 quoting, so paths with commas, quotes or newlines survive. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Splits RFC 4180 CSV into records of fields (quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  // Most files quote nothing: splitting lines is ten times faster than the character loop.
  if (!text.includes('"'))
    return text
      .split('\n')
      .flatMap((l) => (l === '' || l === '\r' ? [] : [(l.endsWith('\r') ? l.slice(0, -1) : l).split(',')]));
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** assignments.csv (path,cluster,confidence,label); throws on a header or row that is not one. */
export function parseAssignments(text: string): Assignment[] {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header || header.slice(0, 3).join(',') !== 'path,cluster,confidence')
    throw new Error('assignments.csv: the header is not path,cluster,confidence,label');
  return records.map((r, i) => {
    const cluster = Number(r[1]);
    const confidence = Number(r[2]);
    if (!r[0] || !Number.isSafeInteger(cluster) || cluster < 0 || !Number.isFinite(confidence)) {
      throw new Error(`assignments.csv row ${i + 1}: expected path,cluster,confidence`);
    }
    return r[3] ? { path: r[0], cluster, confidence, label: r[3] } : { path: r[0], cluster, confidence };
  });
}
