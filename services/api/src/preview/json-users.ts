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
const STRETCH = 256 * 1024;

const invalidJson = () => new AdminError("INVALID_JSON", "The request body is not valid JSON");
const invalid = (message: string) => new AdminError("VALIDATION_FAILED", message);
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type Users = { open: number; close: number; elements: Array<[number, number]> };

/**
 * Where the top-level object's `users` array and each of its elements lie: one pass over the text
 * tracking strings and nesting only (the parts are then given to JSON.parse, which checks the rest).
 * The last `users` key wins, as in JSON.parse. `scan` is synchronous so that V8 optimises the loop.
 */
class UsersLocator {
  private depth = 0;
  private i = 0;
  private lastString: [number, number] = [0, 0];
  private keyIsUsers = false;
  private current: Users | null = null;
  private elementStart = -1;
  found: Users | null = null;
  broken = false;

  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.broken || this.i >= this.text.length;
  }

  /** Scans up to `length` more characters. */
  scan(length: number): void {
    const { text } = this;
    const end = Math.min(text.length, this.i + length);
    let i = this.i;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const start = i;
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
        }
        this.lastString = [start, i + 1];
      } else if (c === COLON) {
        if (this.depth === 1) this.keyIsUsers = isUsersKey(text, this.lastString);
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (this.depth === 1 && c === OPEN_ARRAY && this.keyIsUsers) {
          this.current = { open: i, close: -1, elements: [] };
          this.elementStart = i + 1;
        }
        this.depth++;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        this.depth--;
        if (this.depth === 1 && this.current && c === CLOSE_ARRAY) this.closeUsers(i);
        if (this.depth < 0) this.broken = true;
      } else if (c === COMMA) {
        if (this.depth === 1) this.keyIsUsers = false;
        else if (this.depth === 2 && this.current) this.nextElement(i);
      } else if (this.depth === 1 && !isSpace(c)) this.keyIsUsers = false;
    }
    this.i = i;
  }

  private nextElement(at: number): void {
    if (!this.current) return;
    this.current.elements.push([this.elementStart, at]);
    this.elementStart = at + 1;
    if (this.current.elements.length > MAX_PREVIEW_USERS) {
      throw invalid(`users: at most ${MAX_PREVIEW_USERS.toLocaleString("en")} users per preview`);
    }
  }

  private closeUsers(at: number): void {
    const current = this.current;
    if (!current) return;
    if (this.text.slice(this.elementStart, at).trim() !== "" || current.elements.length > 0) {
      current.elements.push([this.elementStart, at]);
    }
    current.close = at;
    this.found = current;
    this.current = null;
  }
}

async function locateUsers(text: string, slicer: Slicer): Promise<Users | null> {
  const locator = new UsersLocator(text);
  while (!locator.done) {
    locator.scan(STRETCH);
    await slicer.pause();
  }
  return locator.broken ? null : locator.found;
}

/** The longest spelling of the key "users" in JSON: every letter escaped as \uXXXX, quotes included. */
const LONGEST_USERS_KEY = '"\\u0075\\u0073\\u0065\\u0072\\u0073"'.length;

/**
 * Whether the JSON string at [start, end) is "users" (escapes included, as JSON.parse reads it).
 * Reads at most LONGEST_USERS_KEY characters of the key and nothing past it: this runs at every
 * colon of the top level, so looking further (once, a search for a backslash to the end of the
 * body) made a body of many keys quadratic.
 */
function isUsersKey(text: string, [start, end]: [number, number]): boolean {
  const length = end - start;
  if (length === 7) return text.startsWith('"users"', start);
  if (length > LONGEST_USERS_KEY) return false;
  const key = text.slice(start, end);
  if (!key.includes("\\")) return false;
  try {
    return JSON.parse(key) === "users";
  } catch {
    return false;
  }
}

/**
 * The `users` of a JSON body `{users: [...]}`, parsed a part at a time with a yield between stretches
 * (one JSON.parse of 16 MiB would hold the event loop for a tenth of a second or more), each handed to
 * `each` as soon as it is parsed. Accepts and refuses exactly what JSON.parse does; at most 10,000 users.
 *
 * A user's parsed body is dropped once `each` has read it: JSON.parse turns text into up to 30 times its
 * size in heap, and 16 MiB of users held at once took 460 MB.
 */
export async function usersFromJson<T = unknown>(
  text: string,
  slicer: Slicer,
  each: (body: unknown) => T = (body) => body as T,
): Promise<T[]> {
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
  const users: T[] = [];
  for (const [start, end] of located.elements) {
    let body: unknown;
    try {
      body = JSON.parse(text.slice(start, end));
    } catch {
      throw invalidJson();
    }
    users.push(each(body));
    if (users.length % 16 === 0) await slicer.pause();
  }
  return users;
}
