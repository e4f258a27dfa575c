import { CsvError, parse } from "csv-parse";
import { AdminError } from "../errors.ts";
import { type ColumnMap, mapHeader, userFromRow } from "./csv-columns.ts";
import type { Slicer } from "./slices.ts";

/** Users one preview takes, from CSV or JSON. */
export const MAX_PREVIEW_USERS = 10_000;
export const MAX_CSV_COLUMNS = 200;
export const MAX_CSV_FIELD = 4_096;
const MAX_CSV_ROW = 65_536;
/** Characters handed to the parser at once: a few milliseconds of work between two turns of the event loop. */
const CHUNK = 32 * 1024;

const invalid = (message: string) => new AdminError("INVALID_CSV", message);

/**
 * The users of a CSV file (a header row, then one user per row), each as the SCIM User body it stands
 * for. Parsed a chunk at a time with a yield between chunks; bounded in rows, columns and field length.
 */
export async function usersFromCsv(text: string, slicer: Slicer): Promise<Record<string, unknown>[]> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    relax_quotes: true, // a stray quote inside an unquoted field (O"Brien) is kept rather than refusing the file
    max_record_size: MAX_CSV_ROW,
  });
  let columns: ColumnMap | null = null;
  let problem: AdminError | null = null;
  let row = 0;
  const users: Record<string, unknown>[] = [];
  parser.on("data", (record: string[]) => {
    if (problem) return;
    row++;
    if (columns === null) {
      const mapped = headerColumns(record);
      if (mapped instanceof AdminError) problem = mapped;
      else columns = mapped;
      return;
    }
    problem =
      checkRow(record, columns.length, row) ??
      (users.length === MAX_PREVIEW_USERS
        ? invalid(`the file has more than ${MAX_PREVIEW_USERS.toLocaleString("en")} user rows`)
        : null);
    if (!problem) users.push(userFromRow(columns, record));
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.once("end", resolve);
    parser.once("error", reject);
  });
  done.catch(() => {}); // awaited below unless a problem stops the parse first
  try {
    for (let at = 0; at < text.length && !problem; at += CHUNK) {
      await new Promise<void>((resolve) => parser.write(text.slice(at, at + CHUNK), () => resolve()));
      await slicer.pause();
    }
    if (!problem) {
      parser.end();
      await done;
    }
  } catch (error) {
    if (error instanceof CsvError) throw invalid(`the file is not valid CSV: ${error.message.slice(0, 300)}`);
    throw error;
  } finally {
    parser.destroy();
  }
  if (problem) throw problem;
  if (columns === null) throw invalid("the file is empty: a header row is required");
  return users;
}

function headerColumns(record: string[]): ColumnMap | AdminError {
  if (record.length > MAX_CSV_COLUMNS) return invalid(`the header row has more than ${MAX_CSV_COLUMNS} columns`);
  const mapped = mapHeader(record);
  return "problem" in mapped ? invalid(mapped.problem) : mapped.columns;
}

function checkRow(record: string[], columns: number, row: number): AdminError | null {
  if (record.slice(columns).some((field) => field !== "")) {
    return invalid(`row ${row} has more fields than the header row (${columns})`);
  }
  if (record.some((field) => field.length > MAX_CSV_FIELD)) {
    return invalid(`row ${row} has a field longer than ${MAX_CSV_FIELD} characters`);
  }
  return null;
}
