/** SAML limits RelayState to 80 bytes (bindings §3.5.3). */
const MAX_BYTES = 80;
/** Percent-encoded slashes, backslashes and control characters: a client that decodes them once would leave the site. */
const ENCODED_DANGER = /%(?:2f|5c|[01][0-9a-f]|7f)/i;

/**
 * The RelayState we accept and echo: a path of this service, as a browser would resolve it,
 * or null. Parsed as a URL against the service's origin and required to stay on it; tabs,
 * newlines and backslashes (which browsers drop or turn into `/`, so `"/\t/evil.example"` became
 * `//evil.example`), `//`, and their encoded forms are refused before and after parsing.
 */
export function safeRelayState(value: string, serviceOrigin: string): string | null {
  if (Buffer.byteLength(value) > MAX_BYTES) return null;
  if (!value.startsWith("/") || value.startsWith("//") || /[\\\s]/.test(value) || ENCODED_DANGER.test(value))
    return null;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) >= 0x7f) return null;
  let url: URL;
  let origin: string;
  try {
    origin = new URL(serviceOrigin).origin;
    url = new URL(value, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : null;
}
