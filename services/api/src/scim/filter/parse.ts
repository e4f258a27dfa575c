import type { Filter } from "scim2-parse-filter";
// scim2-parse-filter's parser, fed by our own linear tokenizer and a corrected token list
// (see joinSubAttribute). The package is pinned.
import { parseFilter, type Token, Tokens } from "scim2-parse-filter/lib/src/parser.js";
import { ScimError } from "../errors.ts";
import { firstControlCharacter, tokenize } from "./tokenize.ts";

export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;

const COMPARE_OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);

/**
 * The parser turns `emails[type eq "work"].value eq "x"` into `emails[type eq "work"] and
 * emails.value eq "x"`, which would match a work email and some other email equal to x.
 * Rewrite the tokens to `emails[(type eq "work") and value eq "x"]`: one and the same email.
 */
function joinSubAttribute(tokens: Token[]): Token[] {
  const close = tokens.findIndex((t) => t.type === "Bracket" && t.literal === "].");
  if (close < 0) return tokens;
  let open = -1;
  for (let i = close - 1, depth = 0; i >= 0 && open < 0; i--) {
    const t = tokens[i];
    if (t?.type !== "Bracket") continue;
    if (t.literal.startsWith("]")) depth++;
    else if (t.literal === "[") {
      if (depth === 0) open = i;
      else depth--;
    }
  }
  const name = tokens[close + 1];
  const op = tokens[close + 2]?.literal.toLowerCase() ?? "";
  const width = op === "pr" ? 2 : COMPARE_OPS.has(op) && tokens[close + 3]?.type !== "EOT" ? 3 : 0;
  if (open < 0 || name?.type !== "Word" || width === 0) {
    throw invalidFilter("a sub-attribute after a value path must be followed by an operator and a value");
  }
  const bracket = (literal: string): Token => ({ type: "Bracket", literal });
  return joinSubAttribute([
    ...tokens.slice(0, open + 1),
    bracket("("),
    ...tokens.slice(open + 1, close),
    bracket(")"),
    { type: "Word", literal: "and" },
    ...tokens.slice(close + 1, close + 1 + width),
    bracket("]"),
    ...tokens.slice(close + 1 + width),
  ]);
}

export const unicodeName = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;

function bracketDepth(tokens: Token[]): number {
  let depth = 0;
  let max = 0;
  for (const t of tokens) {
    if (t.type !== "Bracket") continue;
    depth += t.literal === "(" || t.literal === "[" ? 1 : -1;
    max = Math.max(max, depth);
  }
  return max;
}

function astDepth(filter: Filter): number {
  switch (filter.op) {
    case "and":
    case "or":
      return 1 + Math.max(0, ...filter.filters.map(astDepth));
    case "not":
      return 1 + astDepth(filter.filter);
    case "[]":
      return 1 + astDepth(filter.valFilter);
    default:
      return 1;
  }
}

/** Parses a SCIM filter; anything malformed, too long, too deep or with a control character is 400 invalidFilter. */
export function parseScimFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalidFilter(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === "") throw invalidFilter("filter is empty");
  const control = firstControlCharacter(text);
  if (control >= 0) throw invalidFilter(`filter contains a control character (${unicodeName(control)})`);
  let filter: Filter;
  try {
    let tokens = tokenize(text);
    if (bracketDepth(tokens) > MAX_FILTER_DEPTH) throw invalidFilter(`filter nests deeper than ${MAX_FILTER_DEPTH}`);
    tokens = joinSubAttribute(tokens);
    const list = new Tokens(tokens);
    filter = parseFilter(list);
    if (list.peek().type !== "EOT") throw new Error(`unexpected ${list.peek().literal} after the end of the filter`);
  } catch (error) {
    if (error instanceof ScimError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw invalidFilter(`malformed filter: ${message.slice(0, 200)}`);
  }
  if (astDepth(filter) > MAX_FILTER_DEPTH) throw invalidFilter(`filter nests deeper than ${MAX_FILTER_DEPTH}`);
  return filter;
}
