import { v7 } from "uuid";
import { randomBytesPooled } from "./random.ts";

/** Time-ordered UUIDs (v7): stable list order and compact btree inserts. */
export const newId = (): string => v7({ random: randomBytesPooled(16) });
