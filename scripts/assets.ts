import { copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Assembles the Workers Static Assets wrangler serves and uploads
 * (wrangler.toml [assets]): the project's own files from src/public/, plus the browser builds of
 * uPlot and Scalar copied from their npm packages, so the versions served are the ones in the
 * lockfile. The result is generated, never edited: it lives in node_modules/.cache/, outside the
 * source tree. wrangler runs this before `wrangler dev` and `wrangler deploy` and again when a
 * file in src/public/ changes ([build] in wrangler.toml); `pnpm install` runs it too.
 */
const ROOT = join(import.meta.dirname, "..");
const SOURCE = join(ROOT, "src", "public");
const ASSETS = join(ROOT, "node_modules", ".cache", "rustegrate", "assets");

const VENDOR: [from: string, to: string][] = [
  ["uplot/dist/uPlot.iife.min.js", "dashboard/vendor/uPlot.iife.min.js"],
  ["uplot/dist/uPlot.min.css", "dashboard/vendor/uPlot.min.css"],
  ["@scalar/api-reference/dist/browser/standalone.js", "docs/scalar.js"],
];

rmSync(ASSETS, { recursive: true, force: true });
cpSync(SOURCE, ASSETS, { recursive: true });
for (const [from, to] of VENDOR) {
  const target = join(ASSETS, to);
  mkdirSync(dirname(target), { recursive: true });
  // By path: the packages' exports maps do not list their browser builds.
  copyFileSync(join(ROOT, "node_modules", from), target);
}
