import type {} from "vitest";

/** What the globalSetup hands every test file (`inject("templateDatabase")`). */
declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
