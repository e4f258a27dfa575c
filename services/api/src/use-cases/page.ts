import { type SQL, sql } from "drizzle-orm";

/** The number of rows matching a query, carried on each row of its page (window over the whole result). */
export const totalOver = (): SQL.Aliased<number> => sql<number>`count(*) over ()`.mapWith(Number).as("total");

/**
 * A filtered page and its total in one round trip: the total rides on the page's rows.
 * Only a page with no row to carry it (count=0, or past the end) counts separately.
 */
export async function pageWithTotal<T extends { total: number }>(
  query: { offset: number; limit: number },
  page: () => Promise<T[]>,
  countAll: () => Promise<number>,
): Promise<{ total: number; rows: Omit<T, "total">[] }> {
  if (query.limit === 0) return { total: await countAll(), rows: [] };
  const { offset } = query;
  const rows = await page();
  const first = rows[0];
  if (!first) return { total: offset === 0 ? 0 : await countAll(), rows: [] };
  return { total: first.total, rows: rows.map(({ total: _total, ...row }) => row) };
}
