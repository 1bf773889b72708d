/**
 * Rejects after `ms` when the promise has not settled: a live view or a health probe must not hang a request when no
 * worker answers queries or a dependency stops answering. The promise itself is not cancelled; its late result is
 * ignored. Written here rather than taken from a package because it is these few lines, with the timer cleared so a
 * settled call leaves nothing pending.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    // A pending probe never keeps the process alive on its own.
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
