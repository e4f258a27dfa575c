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
          // The files share one module graph instead of each importing the app afresh (~1.3 s a file: 108 s
          // of the suite's 530 s; not isolated: 329 s). Safe because a file's state is its own database,
          // queue prefix and the processes and clients it closes in afterAll, never a module's variables.
          isolate: false,
          globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
        },
      },
    ],
  },
});
