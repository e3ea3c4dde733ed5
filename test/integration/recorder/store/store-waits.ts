/** Polling waits on a store's observable state, for tests that cannot await an event. */
import type { SessionStore } from '../../../../recorder/src/store/session-store.js';

/** Resolves once `check()` holds; fails after `timeoutMs` with `what` in the message. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves once the store reaches its backend. */
export function connected(store: SessionStore, timeoutMs = 5000): Promise<void> {
  return until(() => store.health().ok, `store to connect (${store.health().lastError ?? ''})`, timeoutMs);
}
