// node-saml's own xml2js set-up (namespace prefixes stripped, text under `_`), so that
// metadata, responses and verified assertions are read the same way node-saml reads them.
import { nodeSamlXml } from "./node-saml.ts";

/** An element as xml2js gives it: attributes under `$`, text under `_`, children as arrays. */
export type XmlElement = { [key: string]: unknown };

const isElement = (value: unknown): value is XmlElement =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Elements and namespace declarations in XML text, counted in one pass without parsing, stopping
 * once either passes its limit: a start tag is `<` before a name, a declaration an `xmlns` attribute.
 * (An upper bound: the same characters inside a comment or CDATA count too.)
 */
export function xmlShapeWithin(xml: string, limits: { elements: number; namespaces: number }): boolean {
  let elements = 0;
  let namespaces = 0;
  for (let i = xml.indexOf("<"); i !== -1; i = xml.indexOf("<", i + 1)) {
    const next = xml.charCodeAt(i + 1);
    // Not an end tag, a comment, a declaration or a processing instruction.
    if (next !== 0x2f && next !== 0x21 && next !== 0x3f && ++elements > limits.elements) return false;
  }
  for (let i = xml.indexOf("xmlns"); i !== -1; i = xml.indexOf("xmlns", i + 5)) {
    if (++namespaces > limits.namespaces) return false;
  }
  return true;
}

/** Parses a document; the root element is the only key of the result (null when it is not XML). */
export async function parseXml(xml: string): Promise<{ name: string; root: XmlElement } | null> {
  const { parseXml2JsFromString } = await nodeSamlXml();
  let doc: unknown;
  try {
    doc = await parseXml2JsFromString(xml);
  } catch {
    return null;
  }
  if (!isElement(doc)) return null;
  const [name, root] = Object.entries(doc)[0] ?? [];
  if (!name) return null;
  return { name, root: isElement(root) ? root : {} };
}

/** The child elements called `name` (local name); an empty element counts, as `{}`. */
export function children(node: XmlElement | undefined, name: string): XmlElement[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  return value.map((v) => (isElement(v) ? v : {}));
}

export const child = (node: XmlElement | undefined, name: string): XmlElement | undefined => children(node, name)[0];

/** The root element of an xml2js document (an object, not an array like children). */
export function root(doc: XmlElement, name: string): XmlElement | undefined {
  const value = doc[name];
  return isElement(value) ? value : undefined;
}

export function attr(node: XmlElement | undefined, name: string): string | undefined {
  const attrs = node?.$;
  if (!isElement(attrs)) return undefined;
  const value = attrs[name];
  return typeof value === "string" ? value : undefined;
}

export function text(node: XmlElement | undefined): string | undefined {
  const value = node?._;
  return typeof value === "string" ? value.trim() : undefined;
}

/** Every `Algorithm` of the signature and digest methods anywhere in a parsed document. */
export function signingAlgorithms(node: unknown, found: string[] = [], depth = 0): string[] {
  if (depth > 64 || typeof node !== "object" || node === null) return found;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$") continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if ((key === "SignatureMethod" || key === "DigestMethod") && isElement(item)) {
        const algorithm = attr(item, "Algorithm");
        if (algorithm !== undefined) found.push(algorithm);
      }
      signingAlgorithms(item, found, depth + 1);
    }
  }
  return found;
}
