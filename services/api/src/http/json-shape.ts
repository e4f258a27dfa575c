const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export type JsonShapeLimits = {
  /** `{`, `[`, `:` and `,` outside strings: about one per value JSON.parse builds, two per object member. */
  values: number;
  /** Arrays and objects open at once. */
  depth: number;
};

/**
 * What one JSON body of the SCIM or admin API may hold, counted before it is parsed (README "Security").
 * A group of 1 MiB of members is ~70,000 (three per member), 70,000 pool numbers as many; a user or a
 * PATCH of 1,000 operations far fewer. Nothing our schemas accept nests deeper than about a dozen levels.
 */
export const MAX_BODY_SHAPE: JsonShapeLimits = { values: 200_000, depth: 64 };

/**
 * Which limit JSON text passes, counted in one pass without parsing (strings skipped, escapes
 * included), stopping at the first one passed; null when it stays within both. Malformed text is
 * counted as far as it goes: JSON.parse then refuses it.
 *
 * JSON.parse builds an object for every `{}` and `[]`: 1 MiB of `[[[…]]]` became 29 MB of heap and
 * of `[{},{},…]` 22 MB, before any check of ours could look at them. Counted first, no body parses
 * into more than a few MB.
 */
export function jsonShapePasses(text: string, limits: JsonShapeLimits): "values" | "depth" | null {
  const maxValues = limits.values;
  const maxDepth = limits.depth;
  if (text.length <= maxValues && openingsAtMost(text, maxDepth)) return null;
  let values = 0;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // To the string's end: the next quote after an even number of backslashes (indexOf is twice as
      // fast as reading each character; the door runs this on every body).
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return null;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return "depth";
      if (++values > maxValues) return "values";
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA || c === COLON) {
      if (++values > maxValues) return "values";
    }
  }
  return null;
}

/**
 * Whether `text` holds at most `max` of `[` and `{`, strings included. Then neither limit can be passed by
 * a text no longer than the values limit (each value counted is a character of its own, and nesting needs
 * an opening bracket per level): an Okta user (~700 characters, a dozen brackets) is let through by a few
 * indexOf calls instead of a walk over each character, which cost half as much as its JSON.parse.
 */
function openingsAtMost(text: string, max: number): boolean {
  let count = 0;
  for (const bracket of ["[", "{"]) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) if (++count > max) return false;
  }
  return true;
}
