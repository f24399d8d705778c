// A hard limit for calls whose own timeouts do not cover every stage (a server that accepts and never answers).

/** Rejects with an ETIMEDOUT error when `p` takes longer than `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timeout after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
