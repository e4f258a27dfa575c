import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import * as formatsModule from "ajv-formats";
import { expect } from "vitest";
import { ADMIN_KEY, type TestEnv } from "./env.ts";

/**
 * Checks admin API responses (and the bodies the server accepted) against the served OpenAPI
 * document with ajv, a JSON Schema validator nobody on the team wrote. Stricter than the document
 * in one way: an object with documented properties may not carry undocumented ones.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ResponseDoc = { description: string; content?: Record<string, { schema: Json }> };
export type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: Json }>;
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, ResponseDoc>;
};
export type OpenApiDoc = {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
};
export type Reply = { status: number; text: string; body: Record<string, unknown>; headers: Headers };

// ajv-formats is CommonJS: under ESM its plugin may arrive as default or as default.default.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const formatsExport = (formatsModule as unknown as { default: FormatsPlugin | { default: FormatsPlugin } }).default;
const addFormats: FormatsPlugin = typeof formatsExport === "function" ? formatsExport : formatsExport.default;

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** OpenAPI component refs become local $defs; documented objects become closed. */
function prepare(node: Json): Json {
  if (Array.isArray(node)) return node.map(prepare);
  if (!isObject(node)) return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") out[key] = value.replace("#/components/schemas/", "#/$defs/");
    else if (key === "properties" && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, prepare(schema)]));
    } else out[key] = prepare(value);
  }
  if (isObject(out.properties) && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** "/companies/{id}/users" → a regex over concrete paths. */
const templateRegex = (template: string) =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}$`);

export class ResponseChecker {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly defs: Json;
  private readonly templates: Array<{ template: string; regex: RegExp }>;
  readonly base: string;

  constructor(readonly doc: OpenApiDoc) {
    addFormats(this.ajv);
    this.ajv.addKeyword("example");
    // OpenAPI's discriminator only annotates a oneOf, which the validator checks in full anyway.
    this.ajv.addKeyword("discriminator");
    this.defs = prepare(doc.components.schemas);
    this.base = doc.servers?.[0]?.url ?? "";
    this.templates = Object.keys(doc.paths).map((template) => ({ template, regex: templateRegex(template) }));
  }

  /** The documented operation for a request path (relative to the server URL), if any. */
  operation(method: string, path: string): { template: string; op: Operation } | null {
    const bare = path.split("?")[0] ?? path;
    for (const { template, regex } of this.templates) {
      const op = this.doc.paths[template]?.[method.toLowerCase()];
      if (op && regex.test(bare)) return { template, op };
    }
    return null;
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      const prepared = prepare(schema);
      validate = this.ajv.compile(isObject(prepared) ? { ...prepared, $defs: this.defs } : { $defs: this.defs });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private errorsOf(key: string, validate: ValidateFunction): string[] {
    return (validate.errors ?? []).map(
      (e) => `${key}: ${e.instancePath || "(root)"} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  /** A body the server accepted must be one the document allows (else the document is too strict). */
  requestProblems(method: string, path: string, body: unknown): string[] {
    const found = this.operation(method, path);
    const schema = found?.op.requestBody?.content["application/json"]?.schema;
    if (!found || schema === undefined) return [];
    const key = `${method} ${found.template} request`;
    const validate = this.validator(key, schema);
    return validate(body) ? [] : this.errorsOf(key, validate);
  }

  /** Every way the reply departs from the document; empty when it conforms. */
  problems(method: string, path: string, reply: Reply): string[] {
    const found = this.operation(method, path);
    if (!found) return [`${method} ${path} is not in the document`];
    const { template, op } = found;
    const documented = op.responses[String(reply.status)];
    if (!documented) return [`status ${reply.status} is not documented for ${method} ${template}`];
    const content = documented.content;
    if (!content) return reply.text === "" ? [] : [`${reply.status} is documented without a body, got ${reply.text}`];
    const type = (reply.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    const media = content[type];
    if (!media) return [`content-type "${type}" is not documented for ${reply.status} of ${method} ${template}`];
    const key = `${method} ${template} ${reply.status} ${type}`;
    const validate = this.validator(key, media.schema);
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      return [`${reply.status} of ${method} ${template} is not JSON: ${reply.text.slice(0, 200)}`];
    }
    return validate(body) ? [] : this.errorsOf(key, validate);
  }
}

const checkers = new WeakMap<TestEnv, Promise<ResponseChecker>>();

export async function loadOpenApi(env: TestEnv): Promise<OpenApiDoc> {
  const res = await env.app.request("/api/v1/openapi.json");
  if (res.status !== 200) throw new Error(`openapi.json: ${res.status}`);
  return (await res.json()) as OpenApiDoc;
}

export function checkerFor(env: TestEnv): Promise<ResponseChecker> {
  let checker = checkers.get(env);
  if (!checker) {
    checker = loadOpenApi(env).then((doc) => new ResponseChecker(doc));
    checkers.set(env, checker);
  }
  return checker;
}

export type CallOptions = { headers?: Record<string, string>; rawBody?: string };

/**
 * The admin API as a company admin's client calls it, every reply checked against the
 * document. `key: null` sends no Authorization header; `rawBody` sends bytes as they are.
 */
export async function call(
  env: TestEnv,
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions & { key?: string | null } = {},
): Promise<Reply> {
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ...(key === null ? {} : { Authorization: `Bearer ${key}` }),
    ...options.headers,
  };
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await env.app.request(`/api/v1${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  const reply: Reply = { status: res.status, text, body: parsed, headers: res.headers };
  const checker = await checkerFor(env);
  const problems = checker.problems(method, path, reply);
  if (res.status < 300 && body !== undefined) problems.push(...checker.requestProblems(method, path, body));
  expect(problems, `${method} ${path} → ${res.status} ${text.slice(0, 300)}`).toEqual([]);
  return reply;
}

/** `call` bound to a file's env getter: `const api = apiClient(env); await api("GET", "/companies/…")`. */
export const apiClient =
  (env: () => TestEnv) =>
  (method: string, path: string, body?: unknown, options?: CallOptions & { key?: string | null }) =>
    call(env(), method, path, body, options);

/** The error code of an error reply, for terse assertions. */
export const code = (reply: Reply) => (reply.body.error as { code?: string } | undefined)?.code;
export const message = (reply: Reply) => (reply.body.error as { message?: string } | undefined)?.message ?? "";
