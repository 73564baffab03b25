import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * `pnpm assets` (run after every `pnpm install`): copies the browser builds the static assets
 * need from their npm packages into src/public/ (git-ignored), so the versions served are the
 * ones in the lockfile. wrangler serves and uploads src/public/ as Workers Static Assets.
 */
const ROOT = join(import.meta.dirname, "..");
const PUBLIC = join(ROOT, "src", "public");

const FILES: [from: string, to: string][] = [
  ["uplot/dist/uPlot.iife.min.js", "dashboard/vendor/uPlot.iife.min.js"],
  ["uplot/dist/uPlot.min.css", "dashboard/vendor/uPlot.min.css"],
  ["@scalar/api-reference/dist/browser/standalone.js", "docs/scalar.js"],
];

for (const [from, to] of FILES) {
  const target = join(PUBLIC, to);
  mkdirSync(dirname(target), { recursive: true });
  // By path: the packages' exports maps do not list their browser builds.
  copyFileSync(join(ROOT, "node_modules", from), target);
}
