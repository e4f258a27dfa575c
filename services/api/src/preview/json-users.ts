import { AdminError } from "../errors.ts";
import { MAX_PREVIEW_USERS } from "./csv.ts";
import type { Slicer } from "./slices.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
/** Characters scanned between two looks at the clock. */
const STRETCH = 64 * 1024;

const invalidJson = () => new AdminError("INVALID_JSON", "The request body is not valid JSON");
const invalid = (message: string) => new AdminError("VALIDATION_FAILED", message);
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type Users = { open: number; close: number; elements: Array<[number, number]> };

/**
 * Where the top-level object's `users` array and each of its elements lie: one pass over the text
 * tracking strings and nesting only (the parts are then given to JSON.parse, which checks the rest).
 * The last `users` key wins, as in JSON.parse.
 */
async function locateUsers(text: string, slicer: Slicer): Promise<Users | null> {
  let depth = 0;
  let lastString: [number, number] = [0, 0];
  let keyIsUsers = false;
  let current: Users | null = null;
  let found: Users | null = null;
  let elementStart = -1;
  for (let i = 0; i < text.length; i++) {
    if (i % STRETCH === 0) await slicer.pause();
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      lastString = [start, i + 1];
      continue;
    }
    if (depth === 1 && c === COLON) {
      keyIsUsers = text.slice(lastString[0], lastString[1]) === '"users"' || parsesTo(text, lastString, "users");
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth === 1 && c === OPEN_ARRAY && keyIsUsers) {
        current = { open: i, close: -1, elements: [] };
        elementStart = i + 1;
      }
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
      if (depth === 1 && current && c === CLOSE_ARRAY) {
        if (text.slice(elementStart, i).trim() !== "" || current.elements.length > 0) {
          current.elements.push([elementStart, i]);
        }
        current.close = i;
        found = current;
        current = null;
      }
      if (depth < 0) return null;
    } else if (c === COMMA) {
      if (depth === 1) keyIsUsers = false;
      if (depth === 2 && current) {
        current.elements.push([elementStart, i]);
        elementStart = i + 1;
        if (current.elements.length > MAX_PREVIEW_USERS) {
          throw invalid(`users: at most ${MAX_PREVIEW_USERS.toLocaleString("en")} users per preview`);
        }
      }
    } else if (depth === 1 && !isSpace(c)) keyIsUsers = false;
  }
  return found;
}

function parsesTo(text: string, [start, end]: [number, number], value: string): boolean {
  try {
    return JSON.parse(text.slice(start, end)) === value;
  } catch {
    return false;
  }
}

/**
 * The `users` of a JSON body `{users: [...]}`, parsed a part at a time with a yield between stretches
 * (one JSON.parse of 16 MiB would hold the event loop for a tenth of a second or more). Accepts and
 * refuses exactly what JSON.parse does; at most 10,000 users.
 */
export async function usersFromJson(text: string, slicer: Slicer): Promise<unknown[]> {
  const located = await locateUsers(text, slicer);
  const skeleton = located ? `${text.slice(0, located.open + 1)}${text.slice(located.close)}` : text;
  let body: unknown;
  try {
    body = JSON.parse(skeleton);
  } catch {
    throw invalidJson();
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("body: must be an object {users: [...]}");
  }
  if (!located || !Array.isArray((body as { users?: unknown }).users)) {
    throw invalid("users: must be an array of SCIM User resources");
  }
  if (located.elements.length > MAX_PREVIEW_USERS) {
    throw invalid(`users: at most ${MAX_PREVIEW_USERS.toLocaleString("en")} users per preview`);
  }
  const users: unknown[] = [];
  for (const [start, end] of located.elements) {
    try {
      users.push(JSON.parse(text.slice(start, end)));
    } catch {
      throw invalidJson();
    }
    if (users.length % 64 === 0) await slicer.pause();
  }
  return users;
}
