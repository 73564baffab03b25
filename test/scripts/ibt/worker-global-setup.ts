import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import "../../cli/replay-fixture";

/**
 * globalSetup of the worker project: runs in Node, reads the AMG GT4 recording from the vendored
 * fixtures and provides its bytes to test/cli/replay-e2e.test.ts, which runs in workerd.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = new URL("../../fixtures/ibt/amg-gt4_red-bull-ring.ibt", import.meta.url);
  project.provide("amgIbtBase64", (await readFile(url)).toString("base64"));
}
