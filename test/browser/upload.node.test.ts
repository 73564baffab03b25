import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/dev-vars";
import { type DevServer, startDevServer, until } from "../helpers/dev-server";
import { lapRecording } from "../scripts/ibt/lap-recording";

/**
 * `.ibt` recordings uploaded from the dashboard, and the finished session they open: `pnpm dev`
 * on a free port, Debian's Chromium. The session opens on its fastest valid lap over the lap
 * before it, drawn whole; the badge says the session has ended; the lap table's columns fit at
 * 1280, 1440 and 1920 px (screenshots in a temporary folder).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasBrowser = existsSync(CHROMIUM) || Boolean(process.env.CI);
const SHOTS = join(tmpdir(), "rustegrate-screenshots");
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];
const W13 = new URL("../fixtures/ibt/w13_red-bull-ring.ibt", import.meta.url);

let server: DevServer | undefined;
let browser: Browser | undefined;
const pageErrors: string[] = [];

async function open(width: number, token: string): Promise<Page> {
  const context = await (browser as Browser).newContext({
    viewport: { width, height: 1000 },
    colorScheme: "dark",
  });
  await context.addInitScript((t) => localStorage.setItem("rustegrate.token", t), token);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return page;
}

async function data(page: Page, name: string): Promise<number> {
  return Number(await page.getAttribute("#speed-chart", `data-${name}`));
}

describe.skipIf(!hasBrowser)("dashboard uploads and a finished session", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDevServer({ INGEST_TOKEN: randomToken(), ADMIN_TOKEN: randomToken() });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 150_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  });

  it("uploads a picked recording, then opens its session on the fastest valid lap, whole, marked ended", async () => {
    const rec = lapRecording({ laps: 4, untimed: [2], seed: 21, tailSeconds: 20 });
    const page = await open(1440, server?.tokens.INGEST_TOKEN ?? "");
    await page.goto(`${server?.base}/`);
    await page.setInputFiles("#upload-input", {
      name: "four-laps.ibt",
      mimeType: "application/octet-stream",
      buffer: Buffer.from(rec.bytes),
    });
    const row = page.locator(".upload").first();
    await until(
      "the upload to finish",
      async () => (await row.getAttribute("data-state")) === "done",
      30_000,
    );
    expect(
      await row.locator("progress").evaluate((p: HTMLProgressElement) => p.value === p.max),
    ).toBe(true);
    const timed = rec.laps.filter((l) => l.time > 0);
    const best = timed.reduce((a, b) => (b.time < a.time ? b : a));
    expect(await row.locator(".upload-status").textContent()).toContain(`(lap ${best.lap})`);

    await page.waitForURL(/#\/session\//);
    await until(
      "the fastest lap on the charts",
      async () => (await data(page, "lap")) === best.lap,
      30_000,
    );
    // Lap and previous lap whole: nearly every one of the 1,001 distance bins has a sample.
    await until("both traces drawn", async () => (await data(page, "points")) > 950, 30_000);
    expect(await data(page, "previous-points")).toBeGreaterThan(950);
    // Ended once nothing has arrived for 30 s (the summary, refreshed every 5 s, says so).
    await until(
      "the ended badge",
      async () => (await page.textContent(".live-badge")) === "ended",
      45_000,
    );

    for (const width of [1280, 1440, 1920]) {
      await page.setViewportSize({ width, height: 1000 });
      await page.waitForTimeout(200);
      const fit = await page.evaluate(() => {
        const scroll = document.querySelector(".table-scroll") as HTMLElement;
        const box = scroll.getBoundingClientRect();
        const top = [...document.querySelectorAll("table.laps th")].find((th) =>
          /top speed/i.test(th.textContent ?? ""),
        ) as HTMLElement | undefined;
        const shown = top && getComputedStyle(top).display !== "none";
        const topBox = top?.getBoundingClientRect();
        return {
          overflow: scroll.scrollWidth - scroll.clientWidth,
          shown,
          inside: shown && topBox ? topBox.right <= box.right + 0.5 : null,
        };
      });
      expect(fit.overflow, `${width} px: the lap table scrolls sideways`).toBeLessThanOrEqual(0);
      if (width >= 1440) {
        expect(fit.shown, `${width} px: TOP SPEED shown`).toBe(true);
        expect(fit.inside, `${width} px: TOP SPEED inside the table`).toBe(true);
      }
      await page.screenshot({ path: join(SHOTS, `finished-session-${width}.png`), fullPage: true });
    }
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it("uploads a dropped recording, and shows the server's refusal of a damaged one", async () => {
    const page = await open(1280, server?.tokens.INGEST_TOKEN ?? "");
    await page.goto(`${server?.base}/`);
    const bytes = [...readFileSync(W13)];
    await page.evaluate(
      ([real]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(1000)], "broken.ibt"));
        transfer.items.add(new File([new Uint8Array(real as number[])], "w13.ibt"));
        document.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
      },
      [bytes],
    );
    const rows = page.locator(".upload");
    await until(
      "both uploads to finish",
      async () => (await rows.nth(1).getAttribute("data-state")) === "done",
      30_000,
    );
    expect(await rows.nth(0).getAttribute("data-state")).toBe("failed");
    expect(await rows.nth(0).locator(".upload-status").textContent()).toMatch(/Invalid \.ibt file/);
    await page.waitForURL(/#\/session\//);
    await page.context().close();
  }, 60_000);

  it("says an upload needs the ingest token when the page has none", async () => {
    const page = await open(1280, "");
    await page.goto(`${server?.base}/`);
    await page.setInputFiles("#upload-input", {
      name: "w13.ibt",
      mimeType: "application/octet-stream",
      buffer: readFileSync(W13),
    });
    const row = page.locator(".upload").first();
    await until(
      "the refusal",
      async () => (await row.getAttribute("data-state")) === "failed",
      20_000,
    );
    expect(await row.locator(".upload-status").textContent()).toMatch(/ingest token/);
    await page.context().close();
  }, 60_000);
});
