/** RFC 7644 §3.12 scimType values. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** Every failure a SCIM client can cause is one of these, never a 500 (docs/RULES.md "The SCIM surface"). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    /** Extra response headers, e.g. Retry-After on 429/503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ScimError";
  }

  toJSON() {
    return {
      schemas: [ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, scimType, detail);
export const notFound = (what: string, id: string) => new ScimError(404, undefined, `${what} ${id} not found`);
