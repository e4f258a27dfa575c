import { type SQL, sql } from "drizzle-orm";

/** The number of rows matching a query, carried on each row of its page (window over the whole result). */
export const totalOver = (): SQL.Aliased<number> => sql<number>`count(*) over ()`.mapWith(Number).as("total");

/**
 * A filtered page and its total in one round trip: the total rides on the page's rows.
 * Only a page past the end has no row to carry it; then (and only then) it is counted.
 */
export async function pageWithTotal<T extends { total: number }>(
  page: Promise<T[]>,
  offset: number,
  countAll: () => Promise<number>,
): Promise<{ total: number; rows: Omit<T, "total">[] }> {
  const rows = await page;
  const first = rows[0];
  if (!first) return { total: offset === 0 ? 0 : await countAll(), rows: [] };
  return { total: first.total, rows: rows.map(({ total: _total, ...row }) => row) };
}
