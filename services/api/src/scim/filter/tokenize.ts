import type { Token } from "scim2-parse-filter/lib/src/parser.js";

/**
 * The tokens of a SCIM filter, as scim2-parse-filter's tokenizer reads them, in one forward pass.
 * The library's regex backtracks exponentially on an unterminated string holding newlines
 * (`"(?:[^"\\]|\\.|\n)*"`: a newline matches two branches). Here every character is looked at a
 * bounded number of times (a number that turns out to be a word is read twice), so the work is
 * linear by construction. filter-tokenize.test.ts checks, by fuzzing, that the tokens are the
 * library's. Quoted strings come out as their JSON form (see `quotedValue`).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const number = numberEnd(text, i);
    if (number > i) {
      tokens.push({ type: "Number", literal: text.slice(i, number) });
      i = number;
    } else if (c === '"') {
      const end = quotedEnd(text, i);
      if (end < 0) throw new Error(`unexpected token ${excerpt(text, i)}`);
      tokens.push({ type: "Quoted", literal: JSON.stringify(quotedValue(text.slice(i, end))) });
      i = end;
    } else if (c === "[" || c === "(" || c === ")") {
      tokens.push({ type: "Bracket", literal: c });
      i++;
    } else if (c === "]") {
      const literal = text[i + 1] === "." ? "]." : "]";
      tokens.push({ type: "Bracket", literal });
      i += literal.length;
    } else if (isWordChar(c)) {
      let end = i + 1;
      while (end < text.length && isWordRest(text[end] as string)) end++;
      tokens.push({ type: "Word", literal: text.slice(i, end) });
      i = end;
    } else {
      throw new Error(`unexpected token ${excerpt(text, i)}`);
    }
  }
  tokens.push({ type: "EOT", literal: "" });
  return tokens;
}

/** C0 and C1 control characters and DEL: never part of a filter or an attribute path. */
export function firstControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return code;
  }
  return -1;
}

const excerpt = (text: string, at: number) => text.slice(at, at + 40);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
/** `\w`: ASCII letters, digits and underscore. */
const isWordChar = (c: string) => isDigit(c) || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isWordRest = (c: string) => isWordChar(c) || c === "-" || c === "." || c === ":" || c === "/" || c === "%";
const isSpace = (c: string) => /^\s$/.test(c);
/** `.` in a JavaScript regex without the s flag: anything but a line terminator. */
const isLineTerminator = (c: string) => c === "\n" || c === "\r" || c === "\u2028" || c === "\u2029";

/**
 * The end of a number starting at `start` (`-?\d+(\.\d+)?([eE][-+]?\d+)?`, longest form), or -1.
 * As in the library, it is not a number when a word character, `-._:/)` or a space follows
 * (then it is read as a word, or refused).
 */
function numberEnd(text: string, start: number): number {
  let i = start;
  if (text[i] === "-") i++;
  if (!isDigit(text[i])) return -1;
  while (isDigit(text[i])) i++;
  if (text[i] === "." && isDigit(text[i + 1])) {
    i += 2;
    while (isDigit(text[i])) i++;
  }
  if (text[i] === "e" || text[i] === "E") {
    let j = i + 1;
    if (text[j] === "+" || text[j] === "-") j++;
    if (isDigit(text[j])) {
      while (isDigit(text[j])) j++;
      i = j;
    }
  }
  const next = text[i];
  if (next !== undefined && (isWordChar(next) || "-.:/)".includes(next) || isSpace(next))) return -1;
  return i;
}

/** The index after the closing quote of the string starting at `start`, or -1 when it is not closed. */
function quotedEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return i + 1;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined || isLineTerminator(next)) return -1;
      i += 2;
    } else i++;
  }
  return -1;
}

/**
 * A quoted value read as JSON (RFC 7644 §3.4.2.2); when that fails (a client sending
 * `"DOMAIN\user"`), backslashes not before a quote are literal, as the library reads them.
 */
function quotedValue(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return JSON.parse(raw.replace(/\\(?!")/g, "\\\\")) as string;
  }
}
