import { v7 } from "uuid";

/** Time-ordered UUIDs (v7): stable list order and compact btree inserts. */
export const newId = (): string => v7();
