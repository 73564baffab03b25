import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
// Types only (the ProvidedContext augmentation): loading it would import vitest into globalSetup.
import type {} from "../../cli/replay-fixture";

/**
 * globalSetup of the worker project: runs in Node, reads the vendored recordings and provides
 * their bytes to the tests that run in workerd (the replay and upload tests).
 */
export default async function setup(project: TestProject): Promise<void> {
  const read = async (name: string) =>
    (await readFile(new URL(`../../fixtures/ibt/${name}`, import.meta.url))).toString("base64");
  project.provide("amgIbtBase64", await read("amg-gt4_red-bull-ring.ibt"));
  project.provide("w13IbtBase64", await read("w13_red-bull-ring.ibt"));
}
