import { GROUP_NAME_BLANKS } from "@scimline/domain";
import type postgres from "postgres";
import type { Sql, TxSql } from "./client.ts";

/**
 * A group name column (`"g.display_name"`) folded as the plan folds names (foldGroupName): trimmed of
 * GROUP_NAME_BLANKS (btrim alone trims only spaces) and lower-cased by ICU's root locale, as V8's
 * toLowerCase is (libc's lower() misses the Greek final sigma and maps İ to a plain i). Compare it with
 * names folded in JavaScript and bound as an array (`= any(...)`): folding the array in SQL instead made
 * the planner scan every membership.
 */
export const foldedGroupName = (sql: Sql | TxSql, column: string): postgres.Fragment =>
  sql`lower(btrim(${sql(column)}, ${GROUP_NAME_BLANKS}) collate "und-x-icu")`;
