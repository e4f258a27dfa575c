import type * as NodeSaml from "@node-saml/node-saml";
import type * as NodeSamlXml from "@node-saml/node-saml/lib/xml.js";
import { loadOnce } from "../load-once.ts";

/**
 * node-saml and the XML and signature stack it brings (~4 MB of the API's heap, three xpath versions
 * among them) load on the first SAML request or metadata read, not at start: the door never pays for
 * them.
 */
export const nodeSaml: () => Promise<typeof NodeSaml> = loadOnce(() => import("@node-saml/node-saml"));
export const nodeSamlXml: () => Promise<typeof NodeSamlXml> = loadOnce(() => import("@node-saml/node-saml/lib/xml.js"));
