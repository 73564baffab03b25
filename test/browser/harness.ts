import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import type { CarSimulation, SimSample } from "../../scripts/sim/generator";

/**
 * What the dashboard's browser tests share: Debian's Chromium (never a downloaded browser)
 * driven by playwright-core, pages opened with a token in the dashboard's settings, and
 * simulated samples posted the way a rig posts them.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// CI installs Chromium (.ci/run) and always runs these; a machine without it skips them.
export const hasBrowser = existsSync(CHROMIUM) || Boolean(process.env.CI);

/** Where screenshots go: a temporary folder, never compared, for a person to look at. */
export const SHOTS = join(tmpdir(), "rustegrate-screenshots");

/** Where the dashboard keeps its token (src/public/dashboard/api.js). */
const TOKEN_KEY = "rustegrate.token";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export interface PageOptions {
  width?: number;
  height?: number;
  /** Put in the dashboard's settings (localStorage) before the page loads. */
  token?: string;
  /** Collects uncaught page errors. */
  errors?: string[];
}

/** A new page in a fresh context (its own localStorage), dark, at the given size. */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 1000 },
    colorScheme: "dark",
  });
  if (options.token) {
    // As text: this module is type-checked without the DOM's types too.
    const key = JSON.stringify(TOKEN_KEY);
    await context.addInitScript({
      content: `localStorage.setItem(${key}, ${JSON.stringify(options.token)});`,
    });
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => options.errors?.push(e.message));
  return page;
}

/** A number from an attribute (NaN when absent). */
export async function attr(page: Page, selector: string, name: string): Promise<number> {
  const value = await page.getAttribute(selector, name, { timeout: 2000 });
  return value === null || value === "" ? Number.NaN : Number(value);
}

/** Posts simulated samples of one driver as one compact batch. */
export async function postSamples(
  base: string,
  token: string,
  session: string,
  driverId: string,
  sim: CarSimulation,
  samples: SimSample[],
): Promise<void> {
  const res = await fetch(`${base}/api/v1/sessions/${session}/telemetry`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({
      driver_id: driverId,
      track_name: sim.track.name,
      car_name: sim.carName,
      session_type: "Race",
      samples,
    }),
  });
  if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}
