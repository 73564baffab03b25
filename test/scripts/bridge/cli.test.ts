import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StatusSnapshot } from "../../../scripts/bridge/status";
import type { BridgeSummary } from "../../../scripts/bridge/summary";
import { until } from "../../helpers/dev-server";
import { json, localServer, runCli, type Seen, spawnCli, tempDir } from "../cli/run-cli";
import { MemoryImage } from "./memory-image";

// `pnpm simulate bridge --memory-file` as a user runs it: the sim is a writer in this process
// that plays the W13 recording into a file tick by tick at 60 Hz, with three rotating buffers.

const W13 = new Uint8Array(
  readFileSync(new URL("../../fixtures/ibt/w13_red-bull-ring.ibt", import.meta.url)),
);

/** A memory file and the image behind it: every write lands in the file in place. */
function memoryFile(dir: string, firstTick = 1) {
  const path = join(dir, "iracing.mem");
  let fd: number | undefined;
  const image = new MemoryImage(W13, {
    firstTick,
    sink: (offset, bytes) => {
      if (fd !== undefined) writeSync(fd, bytes, 0, bytes.byteLength, offset);
    },
  });
  const create = () => {
    writeFileSync(path, image.bytes);
    fd = openSync(path, "r+");
  };
  return { path, image, create, close: () => fd !== undefined && closeSync(fd) };
}

/** Plays ticks `from` to `to` at 60 Hz (a late tick is not made up for with a burst). */
async function play(image: MemoryImage, from: number, to: number): Promise<void> {
  let due = performance.now();
  for (let i = from; i < to; i++) {
    image.writeTick(i);
    due = Math.max(due + 1000 / 60, performance.now());
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}

/** The batch endpoint, storing one sample per (session, driver, timestamp); 503 while down. */
async function server() {
  const stored = new Map<string, number>();
  const state = { down: false, batches: 0 };
  const s = await localServer((req: Seen, res) => {
    if (req.method === "GET") return json(res, 200, { status: "ok" });
    if (state.down) return json(res, 503, { error: "down", code: "unavailable" });
    state.batches++;
    const session = decodeURIComponent(req.url.split("/")[4] ?? "");
    const body = JSON.parse(req.body) as { driver_id: string; samples: { timestamp: string }[] };
    let duplicates = 0;
    for (const x of body.samples) {
      const key = `${session}|${body.driver_id}|${x.timestamp}`;
      if (stored.has(key)) duplicates++;
      stored.set(key, (stored.get(key) ?? 0) + 1);
    }
    json(res, 201, {
      ids: body.samples.map((_, i) => `${i}`),
      accepted: body.samples.length,
      duplicates,
    });
  });
  cleanups.push(s.close);
  return { ...s, stored, state };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The CLI as a child process, with its stderr readable while it runs. */
function bridge(args: string[]) {
  const run = spawnCli(["bridge", ...args]);
  let stderr = "";
  run.child.stderr.on("data", (d) => {
    stderr += d;
  });
  cleanups.push(() => run.child.kill("SIGKILL"));
  const waitFor = (text: string) =>
    until(`"${text}" on stderr`, async () => stderr.includes(text), 20_000, 100);
  return { ...run, waitFor };
}

const lines = (stdout: string) =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);

describe("pnpm simulate bridge --memory-file", { timeout: 60_000 }, () => {
  it("streams the ticks played into the file, each stored once, and stops when the sim disconnects", async () => {
    const dir = tempDir();
    const api = await server();
    // A sim that counts ticks from 0, like a writer of the memory file might.
    const mem = memoryFile(dir, 0);
    mem.create();
    cleanups.push(mem.close);
    const spool = join(dir, "spool.jsonl");
    const run = bridge([
      "--memory-file",
      mem.path,
      "--session",
      "cli-live",
      "--url",
      api.url,
      "--token",
      "t",
      "--spool",
      spool,
      "--until-disconnect",
      "--json",
    ]);
    await run.waitFor("waiting for the sim to connect");
    mem.image.setConnected(true);
    await play(mem.image, 0, mem.image.samples);
    mem.image.setConnected(false);
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    const out = lines(stdout);
    const summary = out.at(-1) as unknown as BridgeSummary;
    expect(summary).toMatchObject({
      type: "summary",
      ok: true,
      samples_rejected: 0,
      batches_queued: 0,
    });
    // Every tick read was stored exactly once; none was read twice.
    expect(summary.ticks_read + summary.ticks_missed).toBe(390);
    expect(api.stored.size).toBe(summary.ticks_read);
    expect([...api.stored.values()].every((n) => n === 1)).toBe(true);
    expect(summary.sessions).toMatchObject([
      { session_id: "cli-live", session_type: "Offline Testing" },
    ]);
    expect(out.map((e) => e.type)).toEqual(
      expect.arrayContaining(["connected", "session-start", "session-end", "disconnected"]),
    );
    const status = out.filter((e) => e.type === "status") as unknown as StatusSnapshot[];
    expect(status.length).toBeGreaterThan(3);
    expect(
      status.some((s) => s.connected && s.tick_rate === 60 && s.session_id === "cli-live"),
    ).toBe(true);
  });

  it("waits for the memory file to appear, and on SIGTERM sends every tick it read before exiting", async () => {
    const dir = tempDir();
    const api = await server();
    const mem = memoryFile(dir);
    cleanups.push(mem.close);
    const run = bridge([
      "--memory-file",
      mem.path,
      "-s",
      "cli-term",
      "--url",
      api.url,
      "--token",
      "t",
      "--spool",
      join(dir, "spool.jsonl"),
    ]);
    await run.waitFor(`waiting for ${mem.path}`);
    mem.image.setConnected(true);
    mem.create();
    await play(mem.image, 0, 150);
    run.child.kill("SIGTERM");
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("Stopping: sending");
    const read = Number(/([\d,]+) ticks read/.exec(stdout)?.[1]?.replace(/,/g, ""));
    expect(read).toBeGreaterThan(100);
    // The last, partial second went too.
    expect(api.stored.size).toBe(read);
    expect(stdout).toContain("queued    nothing: every batch was sent");
  });

  it("keeps what the API refused to take in its journal, and sends it first on the next run", async () => {
    const dir = tempDir();
    const api = await server();
    api.state.down = true;
    const mem = memoryFile(dir);
    mem.create();
    cleanups.push(mem.close);
    const spool = join(dir, "spool.jsonl");
    const args = [
      "--memory-file",
      mem.path,
      "-s",
      "cli-down",
      "--url",
      api.url,
      "--token",
      "t",
      "--spool",
      spool,
      "--retries",
      "0",
      "--json",
    ];
    const first = bridge(args);
    await first.waitFor("waiting for the sim to connect");
    mem.image.setConnected(true);
    await play(mem.image, 0, 150);
    first.child.kill("SIGTERM");
    const one = await first.done;
    expect(one.code).toBe(1);
    const kept = lines(one.stdout).at(-1) as unknown as BridgeSummary;
    expect(kept).toMatchObject({ ok: false, samples_acked: 0, spool });
    expect(kept.samples_queued).toBe(kept.ticks_read);
    expect(lines(one.stdout).some((e) => e.type === "unreachable")).toBe(true);
    expect(existsSync(spool)).toBe(true);

    // The API is back; the sim is not running.
    api.state.down = false;
    mem.image.setConnected(false);
    const second = bridge(args);
    await until(
      "the queued batches sent",
      async () => api.stored.size >= kept.samples_queued,
      20_000,
      100,
    );
    second.child.kill("SIGTERM");
    const two = await second.done;
    expect(two.code).toBe(0);
    expect(api.stored.size).toBe(kept.ticks_read);
    expect(lines(two.stdout).at(-1)).toMatchObject({
      samples_acked: kept.ticks_read,
      batches_queued: 0,
    });
  });

  it("refuses to start without --memory-file off Windows, and refuses unknown flags", async () => {
    const missing = await runCli(["bridge", "--url", "http://127.0.0.1:9"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--memory-file is needed off Windows");
    const typo = await runCli(["bridge", "--memory-file", "x", "--spool-mbb", "3"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "--spool-mbb is not a flag of this command; did you mean --spool-mb?",
    );
  });
});
