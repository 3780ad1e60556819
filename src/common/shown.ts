/**
 * A value as a one-line message shows it: strings in quotes (so `"0.1"` reads as text, not a
 * number), cut to a screenful, with control and bidi-override characters escaped so a hostile
 * file cannot break the line or reorder what the user reads.
 */

/** Values are cut to this many characters in messages. */
export const SHOWN_MAX = 80;

// C0/C1 controls, and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `max`: paths are shown longer than values, as a user needs the whole of a real one. */
export function shownText(s: string, max = SHOWN_MAX): string {
  const cut = s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
  return cut.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** 'text' quoted, numbers and booleans bare, anything else as JSON, all cut to SHOWN_MAX. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return `'${shownText(v)}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return shownText(JSON.stringify(v) ?? String(v));
}
