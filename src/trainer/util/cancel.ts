/**
 * Cancelling a run. Training awaits only promises that settle at once on the CPU backends, so the
 * event loop, where SIGINT and the server's cancel request arrive, gets no turn in a whole epoch
 * unless the loop yields: every step and every inference batch gives it one here.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Lets signals and requests in, then throws CancelledError if the run was cancelled meanwhile. */
export async function cancelPoint(signal: AbortSignal | undefined): Promise<void> {
  await yieldToLoop();
  if (signal?.aborted) throw new CancelledError();
}

export { yieldToLoop };
