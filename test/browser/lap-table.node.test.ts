import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/dev-vars";
import {
  type CarSimulation,
  createCarSimulation,
  type SimSample,
} from "../../scripts/sim/generator";
import { type DevServer, startDevServer, until } from "../helpers/dev-server";
import { attr, hasBrowser, launchBrowser, openPage, postSamples, SHOTS } from "./harness";

/**
 * The session view at the widths people use: a page opened mid-lap draws the whole previous
 * lap, the lap table keeps its top-speed column in view at desktop widths even with a long
 * driver id, and a phone's top bar keeps the upload button and the settings.
 */

const HZ = 30;
const BATCH = HZ * 2;
const SESSION = `widths-${Date.now().toString(36)}`;
// A long id, as a league's driver ids are: the lap table must still show every column.
const DRIVER = "rig-04-endurance-driver";
const LAP_SECONDS = 86;

let server: DevServer | undefined;
let base = "";
let ingest = "";
let read = "";
let browser: Browser | undefined;
const errors: string[] = [];

/** Posts samples until `stop(sample)` says so or the car has finished. */
async function drive(sim: CarSimulation, stop: (s: SimSample) => boolean): Promise<void> {
  for (;;) {
    const batch: SimSample[] = [];
    let stopped = false;
    while (!sim.finished && batch.length < BATCH && !stopped) {
      const s = sim.next();
      batch.push(s);
      stopped = stop(s);
    }
    if (batch.length) await postSamples(base, ingest, SESSION, DRIVER, sim, batch);
    if (sim.finished || stopped || batch.length === 0) return;
  }
}

describe.skipIf(!hasBrowser)("the session view's layout in headless Chromium", () => {
  beforeAll(async () => {
    server = await startDevServer({
      INGEST_TOKEN: randomToken(),
      ADMIN_TOKEN: randomToken(),
      READ_TOKEN: randomToken(),
    });
    base = server.base;
    ingest = server.tokens.INGEST_TOKEN as string;
    read = server.tokens.READ_TOKEN as string;
    browser = await launchBrowser();
  }, 150_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  });

  it("draws the whole previous lap when the page opens mid-lap", async () => {
    // Samples dated up to now: the run to the line, lap 1, and 25 s of lap 2. The live
    // snapshot holds the last 60 s, so the end of lap 1 arrives before history brings its start.
    const sim = createCarSimulation({
      track: "laguna-seca",
      car: "gt3",
      seed: 8,
      hz: HZ,
      startTime: Date.now() - (3 + LAP_SECONDS + 25) * 1000,
      laps: 3,
    });
    let inLap2 = 0;
    await drive(sim, (s) => s.current_lap === 2 && ++inLap2 > 25 * HZ);
    const page = await openPage(browser as Browser, { token: read, errors });
    await page.goto(`${base}/#/session/${SESSION}`);
    await until(
      "lap 2 over the whole of lap 1",
      async () =>
        (await attr(page, "#speed-chart", "data-lap")) === 2 &&
        (await attr(page, "#speed-chart", "data-previous-points")) > 980,
      20_000,
    );
    await page.context().close();
    // The rest of the race, for the lap table below.
    await drive(sim, () => false);
  }, 120_000);

  for (const width of [1280, 1440, 1920]) {
    it(`keeps the lap table's top speed column in view at ${width} px`, async () => {
      const page = await openPage(browser as Browser, { width, height: 1000, token: read, errors });
      await page.goto(`${base}/#/session/${SESSION}`);
      await until(
        "every lap in the table",
        async () => (await attr(page, "#lap-table", "data-rows")) >= 4,
        20_000,
      );
      const geometry = await page.evaluate(() => {
        const box = (e: Element) => e.getBoundingClientRect();
        const scroll = document.querySelector("#lap-table")?.parentElement as HTMLElement;
        const panel = box(scroll);
        const cells = [...document.querySelectorAll("#lap-table .wide")] as HTMLElement[];
        return {
          scroll: { scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth },
          cells: cells.map((c) => ({
            text: c.textContent,
            left: box(c).left - panel.left,
            right: panel.right - box(c).right,
            width: box(c).width,
            scrollWidth: c.scrollWidth,
            clientWidth: c.clientWidth,
          })),
        };
      });
      await page.screenshot({ path: join(SHOTS, `lap-table-${width}.png`), fullPage: true });
      expect(geometry.scroll.scrollWidth).toBeLessThanOrEqual(geometry.scroll.clientWidth);
      // The header and one cell per lap, each drawn whole inside the table's visible box.
      expect(geometry.cells[0]?.text).toBe("Top speed");
      expect(geometry.cells.length).toBeGreaterThan(4);
      for (const cell of geometry.cells) {
        expect(cell.width, cell.text ?? "").toBeGreaterThan(0);
        expect(cell.left, cell.text ?? "").toBeGreaterThanOrEqual(0);
        expect(cell.right, cell.text ?? "").toBeGreaterThanOrEqual(0);
        expect(cell.scrollWidth, cell.text ?? "").toBeLessThanOrEqual(cell.clientWidth);
      }
      expect(geometry.cells.slice(1).every((c) => /^\d+ km\/h$/.test(c.text ?? ""))).toBe(true);
      await page.context().close();
    }, 60_000);
  }

  it("keeps the upload button and the settings in a phone's top bar", async () => {
    const page = await openPage(browser as Browser, { width: 390, height: 844, errors });
    await page.goto(`${base}/`);
    for (const selector of ["#upload-button", "#settings-button"]) {
      const box = await page.locator(selector).boundingBox();
      expect(box?.width, selector).toBeGreaterThan(0);
      expect((box?.x ?? 0) + (box?.width ?? 0), selector).toBeLessThanOrEqual(390);
      // One line: a wrapped label doubles the bar's height.
      expect(box?.height, selector).toBeLessThan(40);
    }
    await page.context().close();
    expect(errors).toEqual([]);
  }, 30_000);
});
