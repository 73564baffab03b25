import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// A source folder as a graph of its own relative imports (type-only ones too: they tie modules
// together just the same), walked depth-first for a path that comes back to where it started.

const REPO = resolve(import.meta.dirname, "../..");
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)"(\.{1,2}\/[^"]+)"/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

function resolveImport(root: string, from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [base, `${base}.ts`, join(base, "index.ts")].find(
    (path) => path.startsWith(root) && existsSync(path) && statSync(path).isFile(),
  );
}

/** Every import circle within `folder`, each as the files around it. */
function findCycles(folder: string): string[][] {
  const root = join(REPO, folder);
  const edges = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(SPECIFIER)].map((m) =>
      resolveImport(root, file, m[1] as string),
    );
    edges.set(
      file,
      targets.filter((t): t is string => t !== undefined),
    );
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    const at = path.indexOf(file);
    if (at >= 0) {
      cycles.push([...path.slice(at), file].map((p) => relative(root, p)));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const next of edges.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of edges.keys()) visit(file);
  return cycles;
}

describe.each(["scripts", "src"])("%s/", (folder) => {
  it("has no import circles", () => {
    expect(findCycles(folder)).toEqual([]);
  });
});
