// Polling helpers for tests that wait for a cluster or the proxy to reach a state.

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once `check` holds; rejects naming `what` after `limitMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${limitMs} ms waiting until ${what}`);
    await sleep(20);
  }
}
