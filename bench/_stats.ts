// Mean ± sd over seeds or runs, as every bench table states them.
export const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
/** Sample sd (n - 1); 0 for one seed, which then claims nothing beyond its single figure. */
export const sd = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
export const ms = (xs: number[], digits = 3) => `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}`;
