/** "1 image", "2,000 images": a count with its noun in the right number, for every side's text. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}
