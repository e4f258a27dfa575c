/** postgres.js errors carry `code` and `constraint_name`; drizzle wraps them in `cause`. */
export type PgErrorInfo = { code?: string; constraint?: string };

export function pgError(error: unknown): PgErrorInfo {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const candidate = e as { code?: unknown; constraint_name?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        ...(typeof candidate.constraint_name === "string" ? { constraint: candidate.constraint_name } : {}),
      };
    }
    e = candidate.cause;
  }
  return {};
}

export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const info = pgError(error);
  return info.code === "23505" && (constraint === undefined || info.constraint === constraint);
};
