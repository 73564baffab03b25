import { fileSource } from "../../scripts/ibt/source";
import type { ByteSource } from "../../src/ibt";

/** A file-backed source from scripts/ibt/source.ts. */
export type FileSource = ByteSource & { close(): Promise<void> };

// Vendored copies (with their README: sources and licences) so a fresh clone has them.
const FIXTURE_DIR = new URL("../fixtures/ibt/", import.meta.url);

/** The two real recordings described in test/fixtures/ibt/README.md. */
export const AMG = "amg-gt4_red-bull-ring.ibt";
export const W13 = "w13_red-bull-ring.ibt";
export const FIXTURES = [AMG, W13] as const;

/** Opens a fixture through the Node file adapter; the caller closes it. */
export function openFixture(name: string): Promise<FileSource> {
  return fileSource(new URL(name, FIXTURE_DIR));
}

const cache = new Map<string, Uint8Array>();

/** A private copy of a fixture's bytes, safe to corrupt. */
export async function fixtureBytes(name: string): Promise<Uint8Array> {
  let bytes = cache.get(name);
  if (!bytes) {
    const source = await openFixture(name);
    try {
      bytes = await source.read(0, source.size);
    } finally {
      await source.close();
    }
    cache.set(name, bytes);
  }
  return bytes.slice();
}
