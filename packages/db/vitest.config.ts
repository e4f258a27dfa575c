import { defineConfig } from "vitest/config";

// `unit`: tests next to the sources, pure, no Postgres or Redis (`pnpm test:unit`).
// `int`: tests under test/ against the real Postgres and Redis; only this project runs the
// globalSetup that migrates the template database (`pnpm test:int`). `vitest run` runs both.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"], exclude: ["src/**/*.int.test.ts"] } },
      {
        extends: true,
        test: {
          name: "int",
          include: ["test/**/*.test.ts", "src/**/*.int.test.ts"],
          globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
        },
      },
    ],
  },
});
