import "./provided.ts";
import type { TestProject } from "vitest/node";
import { prepareTemplateDatabase } from "./database.ts";

/** vitest globalSetup: migrate the template database once per run. */
export default async function setup(project: TestProject) {
  project.provide("templateDatabase", await prepareTemplateDatabase());
}
