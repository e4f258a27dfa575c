import type * as NodeSaml from "@node-saml/node-saml";
import type * as NodeSamlXml from "@node-saml/node-saml/lib/xml.js";

/**
 * node-saml and the XML and signature stack it brings (~4 MB of the API's heap, three xpath versions
 * among them) load on the first SAML request or metadata read, not at start: the door never pays for
 * them. A failed load is tried again by the next request.
 */
const lazy = <T>(load: () => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return (): Promise<T> =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
};

export const nodeSaml: () => Promise<typeof NodeSaml> = lazy(() => import("@node-saml/node-saml"));
export const nodeSamlXml: () => Promise<typeof NodeSamlXml> = lazy(() => import("@node-saml/node-saml/lib/xml.js"));
