// Bundles a service into dist/ with esbuild. Workspace packages (@scimline/*, which ship
// TypeScript sources) are bundled; registry packages stay external, so the service must
// list every one it reaches (directly or through a workspace package): checked below.
import { existsSync } from "node:fs";
import { isBuiltin } from "node:module";
import { build } from "esbuild";

const entry = process.argv[2] ?? "src/main.ts";

const result = await build({
  entryPoints: [entry],
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
  plugins: [
    {
      name: "externalize-registry-packages",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          // JSON data (country names) is bundled: Node 20 needs import attributes esbuild drops.
          if (args.path.startsWith("@scimline/") || args.path.startsWith("node:") || args.path.endsWith(".json"))
            return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

const packageName = (spec) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");
const missing = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (!imp.external || isBuiltin(imp.path)) continue;
    const name = packageName(imp.path);
    if (!existsSync(`node_modules/${name}/package.json`)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(`add these to the service's dependencies: ${[...missing].join(", ")}`);
  process.exit(1);
}
console.log(`built ${entry} -> dist/`);
