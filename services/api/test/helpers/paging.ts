/**
 * Follows `nextCursor` from the first page (§9 paging) until it is null: every page's items in
 * order and how many pages that took. `maxPages` stops a list that never ends (a test then fails
 * on its count instead of hanging).
 */
export async function pageThrough<T>(
  page: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
  maxPages = 10_000,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor;
    pages++;
  } while (cursor && pages < maxPages);
  return { items, pages };
}
