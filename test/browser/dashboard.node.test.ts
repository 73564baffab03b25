import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/dev-vars";
import {
  type CarSimulation,
  createCarSimulation,
  type SimSample,
} from "../../scripts/sim/generator";
import { type DevServer, startDevServer, until } from "../helpers/dev-server";

/**
 * The dashboard end to end: `pnpm dev` on a free loopback port, three simulated cars streamed
 * into it through the compact batch endpoint, and Debian's Chromium (never a downloaded browser)
 * watching: the live chart and the lap table update, and the comparison draws a delta trace.
 * Screenshots go to a temporary folder, or to docs/screenshots with UPDATE_SCREENSHOTS=1.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// CI installs Chromium (.ci/run) and always runs this. A developer machine without Chromium
// (the README's fresh-machine test command needs only Node) skips it, and says so.
const hasBrowser = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!hasBrowser) console.warn(`dashboard browser test skipped: no Chromium at ${CHROMIUM}`);
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? "docs/screenshots"
  : join(tmpdir(), "rustegrate-screenshots");
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

const CARS = 3;
const HZ = 30;
const BATCH = HZ * 2; // 2 s of samples per request
const SESSION = `browser-${Date.now().toString(36)}`;

let server: DevServer | undefined;
let base = "";
let ingestToken = "";
let readToken = "";
let browser: Browser | undefined;
const pageErrors: string[] = [];

/** Three cars on Laguna Seca, two timed laps each, as compact batches. */
function cars(): CarSimulation[] {
  const startTime = Date.now() - 240_000;
  return Array.from({ length: CARS }, (_, i) =>
    createCarSimulation({
      track: "laguna-seca",
      car: "gt3",
      seed: 7,
      driverIndex: i,
      hz: HZ,
      startTime,
      laps: 2,
    }),
  );
}

async function postBatch(sim: CarSimulation, index: number, samples: SimSample[]): Promise<void> {
  const res = await fetch(`${base}/api/v1/sessions/${SESSION}/telemetry`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(ingestToken ? { Authorization: `Bearer ${ingestToken}` } : {}),
    },
    body: JSON.stringify({
      driver_id: `car-${index + 1}`,
      track_name: sim.track.name,
      car_name: sim.carName,
      session_type: "Race",
      samples,
    }),
  });
  if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/**
 * Streams every car until it has finished or `stopAfterMs` of simulated time has passed; one
 * batch per car per round, `pauseMs` between rounds so the page sees the session live.
 */
async function stream(sims: CarSimulation[], stopAfterMs: number, pauseMs: number) {
  const cars = sims.map((sim, index) => ({ sim, index, sent: 0 }));
  for (;;) {
    const round = cars.map((car) => {
      const batch: SimSample[] = [];
      while (!car.sim.finished && batch.length < BATCH && car.sent * (1000 / HZ) < stopAfterMs) {
        batch.push(car.sim.next());
        car.sent++;
      }
      return batch.length ? postBatch(car.sim, car.index, batch) : null;
    });
    const pending = round.filter(Boolean);
    if (pending.length === 0) return;
    await Promise.all(pending);
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

async function attr(page: Page, selector: string, name: string): Promise<number> {
  return Number((await page.getAttribute(selector, name, { timeout: 2000 })) ?? Number.NaN);
}

describe.skipIf(!hasBrowser)("dashboard in headless Chromium", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDevServer({
      INGEST_TOKEN: randomToken(),
      ADMIN_TOKEN: randomToken(),
      READ_TOKEN: randomToken(),
    });
    base = server.base;
    ingestToken = server.tokens.INGEST_TOKEN ?? "";
    readToken = server.tokens.READ_TOKEN ?? "";
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 150_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  });

  async function open(width: number, height: number, scale = 1): Promise<Page> {
    const context = await (browser as Browser).newContext({
      viewport: { width, height },
      deviceScaleFactor: scale,
      colorScheme: "dark",
    });
    if (readToken) {
      await context.addInitScript((t) => localStorage.setItem("rustegrate.token", t), readToken);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    return page;
  }

  it("shows a live session: the chart and the lap table update, and a comparison draws a delta trace", async () => {
    const sims = cars();
    // The run to the line and a few seconds of lap 1: the session exists and is live.
    await stream(sims, 8000, 0);

    const page = await open(1440, 1000);
    await page.goto(`${base}/`);
    const card = page.locator(`[data-session="${SESSION}"]`);
    await card.waitFor();
    expect(await card.locator(".live-badge").textContent()).toBe("live");
    await page.locator("main").screenshot({ path: join(SHOTS, "sessions.png") });

    await card.click();
    await page.waitForSelector("#speed-chart canvas");
    // The snapshot: the untimed lap 0 of each car (the run to the line).
    await until(
      "the snapshot's lap table",
      async () => (await attr(page, "#lap-table", "data-rows")) === CARS,
      15_000,
    );
    expect(await page.getAttribute("body", "data-live")).toMatch(/^(live|idle)$/);
    const pointsBefore = await attr(page, "#speed-chart", "data-points");

    // The rest of the session, a little faster than real time x20, while the page watches.
    // Paced so the session is still live when the phone below opens it (ingest answers in a few
    // milliseconds: unpaced, the whole session would be in before the phone's page loads).
    const streaming = stream(sims, Number.POSITIVE_INFINITY, 60);
    await until(
      "the live speed chart to grow",
      async () => (await attr(page, "#speed-chart", "data-points")) > pointsBefore + 200,
      30_000,
    );
    await until(
      "lap 1 of every car in the lap table",
      async () => (await attr(page, "#lap-table", "data-rows")) >= 2 * CARS,
      60_000,
    );
    expect(await page.locator("#lap-table tr.best .best-badge").count()).toBe(1);
    // Mid lap 2: this lap over the previous one, every car on the map.
    await until(
      "lap 2 under way",
      async () => (await attr(page, "#speed-chart", "data-points")) > 400,
      30_000,
    );
    expect(await page.textContent(".live-badge")).toBe("live");
    expect(await page.locator("#track-map .car").count()).toBe(CARS);
    await page.screenshot({ path: join(SHOTS, "session-live.png"), fullPage: true });

    const phone = await open(390, 844, 2);
    // Lap 1, complete by now: on a loaded machine the stream may be over before the phone opens,
    // and the lap under way then is the few samples of the run-out.
    await phone.goto(`${base}/#/session/${SESSION}?lap=1`);
    await until(
      "the phone's chart",
      async () => (await attr(phone, "#speed-chart", "data-points")) > 50,
      30_000,
    );
    await phone.screenshot({ path: join(SHOTS, "session-phone.png") });
    await phone.context().close();

    await streaming;
    await until(
      "every lap in the table",
      async () => (await attr(page, "#lap-table", "data-rows")) === 3 * CARS,
      30_000,
    );

    await page.click("text=Compare best laps");
    await until(
      "the delta trace",
      async () => (await attr(page, "#delta-chart", "data-points")) > 1500,
      30_000,
    );
    // The trace ends at the gap between the two laps' times.
    const [a, b] = await Promise.all(
      ["Lap A", "Lap B"].map((label) => page.getByLabel(label).inputValue()),
    );
    const laps = (await (
      await fetch(`${base}/api/v1/sessions/${SESSION}/laps`, {
        headers: readToken ? { Authorization: `Bearer ${readToken}` } : {},
      })
    ).json()) as { driver_id: string; lap: number; lap_time: number }[];
    const time = (key: string) => laps.find((l) => `${l.driver_id}:${l.lap}` === key)?.lap_time;
    expect(a).not.toBe(b);
    const finalDelta = await attr(page, "#delta-chart", "data-final-delta");
    expect(finalDelta).toBeCloseTo((time(b as string) ?? 0) - (time(a as string) ?? 0), 1);
    // Hovering a chart moves every chart's cursor and the marker on the track map.
    await page.hover("#delta-chart .u-over", { position: { x: 420, y: 60 } });
    expect(Number(await page.getAttribute(".trackmap .cursor", "r"))).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "compare.png"), fullPage: true });

    expect(pageErrors).toEqual([]);
    console.log(`screenshots in ${SHOTS}`);
  }, 240_000);

  it("renders the API reference at /docs from this server alone, within its CSP", async () => {
    const page = await open(1280, 900);
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) {
        violations.push(m.text());
      }
    });
    await page.goto(`${base}/docs`);
    // Scalar draws the document's title and its operations.
    await page.getByText("Rustegrate telemetry API").first().waitFor({ timeout: 30_000 });
    await page.getByText("Ingest a compact batch").first().waitFor();
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "docs.png") });
    await page.context().close();
  }, 60_000);
});
