import { munkres } from 'munkres';

/**
 * The one-to-one assignment of rows to columns with the largest total weight (e.g. clusters to
 * classes, weight = co-occurrence count). Rectangular inputs are fine: with more rows than columns
 * some rows stay unassigned (-1), with more columns some columns go unused.
 *
 * @param weights rows x cols, every row of length `cols`
 * @param cols the column count, needed when there are no rows to read it from
 * @returns row -> column, or -1 for an unassigned row
 */
export function maxWeightAssignment(weights: readonly (readonly number[])[], cols: number): Int32Array {
  const rows = weights.length;
  const out = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return out;
  let max = -Infinity;
  for (const row of weights) {
    if (row.length !== cols)
      throw new RangeError(`weights rows must have ${cols} entries (got ${row.length})`);
    for (const w of row) {
      if (!Number.isFinite(w)) throw new RangeError(`weights must be finite (got ${w})`);
      if (w > max) max = w;
    }
  }
  // munkres minimises; max - w keeps costs non-negative, which sidesteps sign handling in the solver.
  const cost = weights.map((row) => row.map((w) => max - w));
  for (const [r, c] of munkres(cost)) out[r] = c;
  return out;
}

/** Total weight of an assignment from maxWeightAssignment. */
export function assignmentWeight(weights: readonly (readonly number[])[], assignment: Int32Array): number {
  let total = 0;
  for (let r = 0; r < assignment.length; r++) {
    const c = assignment[r]!;
    if (c >= 0) total += weights[r]![c]!;
  }
  return total;
}
