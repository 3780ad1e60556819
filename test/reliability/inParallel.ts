/**
 * Calls f(0) .. f(n - 1), a few at a time: each call runs whole node processes, and the machine
 * has two cores, so more at once only queues.
 */
export async function inParallel(n: number, f: (i: number) => Promise<void>, width = 3): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}
