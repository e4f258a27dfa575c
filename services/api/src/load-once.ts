/**
 * A module (or anything async) loaded on first use and kept: every caller shares the one load in
 * flight, and a failed load is tried again by the next caller. The API loads what only a few
 * requests need (the queue dashboard, the SAML stack) this way, so its start and heap do not carry them.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}
