import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { importFiles } from "../../../scripts/ibt/import";
import { uploadIbt } from "../../../scripts/ibt/upload";

// The loop behind `pnpm simulate import`, driven in-process against a server of the upload
// contract (node:http), to see the bytes on the wire and what the command writes.

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/ibt");
const AMG = join(FIXTURES, "amg-gt4_red-bull-ring.ibt");
const W13 = join(FIXTURES, "w13_red-bull-ring.ibt");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** How many pieces the body arrived in. */
  pieces: number;
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A server that reads each upload whole, then lets `reply` answer it. */
async function uploadServer(reply: (req: Received, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const entry = {
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
        pieces: chunks.length,
      };
      received.push(entry);
      reply(entry, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  close = () => new Promise<void>((ok) => server.close(() => ok()));
  return { url: `http://127.0.0.1:${port}`, received };
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

/** An import answer for `req`'s bytes, as the server gives it. */
const answer = (req: Received, overrides: Record<string, unknown> = {}) => ({
  session_id: "ibt-spielberg-gp",
  driver_id: "rig-1",
  track_name: "Red Bull Ring - Grand Prix",
  car_name: "Mercedes-AMG GT4",
  session_type: "Offline Testing",
  samples: 3371,
  max_speed: 199.2,
  laps: [
    { lap: 0, lap_time: null, valid: false, max_speed: 150, sample_count: 600 },
    { lap: 1, lap_time: 89.9995, valid: true, max_speed: 199.2, sample_count: 1400 },
    { lap: 2, lap_time: 88.1235, valid: true, max_speed: 198, sample_count: 1371 },
  ],
  sessions: [],
  skipped: { glitch: 0, out_of_order: 0, invalid: 0 },
  duplicates: 0,
  sha256: sha256(req.body),
  ...overrides,
});

/** stdout and stderr as strings; `tty` makes stderr a terminal of 100 columns. */
function outputs(tty = false) {
  const out = { text: "", write: (s: string) => (out.text += s) };
  const err = { text: "", isTTY: tty, columns: 100, write: (s: string) => (err.text += s) };
  return { out, err };
}

describe("importFiles", () => {
  it("streams each file as it is on disk and prints a line per file", async () => {
    const server = await uploadServer((req, res) => send(res, 201, answer(req)));
    const { out, err } = outputs();
    const code = await importFiles({
      url: server.url,
      token: "tok",
      files: [AMG, W13],
      sessionId: "mine",
      json: false,
      out,
      err,
      color: { out: false, err: false },
    });
    expect(code).toBe(0);
    expect(out.text).toBe(
      "amg-gt4_red-bull-ring.ibt: 2 laps, best 1:28.124 (lap 2), 3,371 samples -> session ibt-spielberg-gp\n" +
        "w13_red-bull-ring.ibt: 2 laps, best 1:28.124 (lap 2), 3,371 samples -> session ibt-spielberg-gp\n",
    );
    // Not a terminal: no progress bar.
    expect(err.text).toBe("");
    const [amg, w13] = server.received;
    expect(amg?.url).toBe("/api/v1/ibt?session_id=mine");
    expect(amg?.headers["content-type"]).toBe("application/octet-stream");
    expect(amg?.headers.authorization).toBe("Bearer tok");
    expect(Number(amg?.headers["content-length"])).toBe(readFileSync(AMG).byteLength);
    // Every byte, in order, and in pieces: the file was streamed, not read whole and sent.
    expect(sha256(amg?.body ?? Buffer.alloc(0))).toBe(sha256(readFileSync(AMG)));
    expect(amg?.pieces).toBeGreaterThan(1);
    expect(sha256(w13?.body ?? Buffer.alloc(0))).toBe(sha256(readFileSync(W13)));
  });

  it("says (already imported) for a 200", async () => {
    const server = await uploadServer((req, res) => send(res, 200, answer(req, { laps: [] })));
    const { out, err } = outputs();
    const code = await importFiles({
      url: server.url,
      files: [W13],
      json: false,
      out,
      err,
      color: { out: false, err: false },
    });
    expect(code).toBe(0);
    expect(out.text).toBe(
      "w13_red-bull-ring.ibt: 0 laps, 3,371 samples -> session ibt-spielberg-gp (already imported)\n",
    );
  });

  it("reports the bytes sent as they go, from 0 again on a retry", async () => {
    let calls = 0;
    const server = await uploadServer((req, res) => {
      if (++calls === 1) {
        res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "0" });
        res.end(JSON.stringify({ error: "busy", code: "unavailable" }));
      } else send(res, 201, answer(req));
    });
    const bytes = readFileSync(AMG);
    const progress: number[] = [];
    const uploaded = await uploadIbt({
      url: server.url,
      open: () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.byteLength; at += 65_536) {
              controller.enqueue(bytes.subarray(at, at + 65_536));
            }
            controller.close();
          },
        }),
      size: bytes.byteLength,
      onProgress: (sent, size) => {
        expect(size).toBe(bytes.byteLength);
        progress.push(sent);
      },
    });
    expect(uploaded).toMatchObject({ status: 201, attempts: 2 });
    const pieces = Math.ceil(bytes.byteLength / 65_536);
    expect(progress).toHaveLength(2 * pieces);
    const attempt = progress.slice(0, pieces);
    expect(progress.slice(pieces)).toEqual(attempt);
    expect(attempt[0]).toBe(65_536);
    expect(attempt.at(-1)).toBe(bytes.byteLength);
    expect(attempt.every((n, i) => i === 0 || n > (attempt[i - 1] as number))).toBe(true);
    expect(server.received.map((r) => sha256(r.body))).toEqual([sha256(bytes), sha256(bytes)]);
  });

  it("draws the progress bar on a terminal, without escape sequences when colour is off", async () => {
    const server = await uploadServer((req, res) => send(res, 201, answer(req)));
    for (const color of [true, false]) {
      const { out, err } = outputs(true);
      const code = await importFiles({
        url: server.url,
        files: [AMG],
        json: false,
        out,
        err,
        color: { out: false, err: color },
      });
      expect(code).toBe(0);
      // The first piece drawn, then the bar removed before the result line.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escapes is the point
      const plain = err.text.replace(/\x1b\[[\d;]*[A-Za-z]/g, "");
      expect(plain).toMatch(/amg-gt4_red-bull-ring\.ibt [█░]{24} 0\.1\/3\.6 MB 1%/);
      expect(plain).toMatch(/amg-gt4_red-bull-ring\.ibt █{24} 3\.6\/3\.6 MB 100%/);
      expect(err.text.includes("\x1b[")).toBe(color);
      expect(err.text.endsWith(color ? "\r\x1b[K" : "\r")).toBe(true);
      expect(out.text).toMatch(/^amg-gt4_red-bull-ring\.ibt: 2 laps/);
    }
  });

  it("prints the server's refusal, goes on with the next file, and exits 1; --json per file", async () => {
    const server = await uploadServer((req, res) =>
      req.body.byteLength < 1_000_000
        ? send(res, 422, {
            error: "Invalid .ibt file: header says 9 variables at offset 144, the file ends at 120",
            code: "invalid_ibt",
            details: [],
            request_id: "req-7",
          })
        : send(res, 201, answer(req)),
    );
    const text = outputs();
    expect(
      await importFiles({
        url: server.url,
        files: [W13, AMG],
        json: false,
        ...text,
        color: { out: false, err: false },
      }),
    ).toBe(1);
    expect(text.out.text.split("\n")).toEqual([
      "w13_red-bull-ring.ibt: 422 invalid_ibt: Invalid .ibt file: header says 9 variables at " +
        "offset 144, the file ends at 120 (request req-7)",
      "amg-gt4_red-bull-ring.ibt: 2 laps, best 1:28.124 (lap 2), 3,371 samples -> session ibt-spielberg-gp",
      "",
    ]);
    expect(text.err.text).toBe("");

    const json = outputs();
    expect(
      await importFiles({
        url: server.url,
        files: [W13, AMG],
        json: true,
        ...json,
        color: { out: false, err: false },
      }),
    ).toBe(1);
    const [refused, imported] = json.out.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(refused).toEqual({
      file: W13,
      status: 422,
      code: "invalid_ibt",
      error:
        "422 invalid_ibt: Invalid .ibt file: header says 9 variables at offset 144, the file ends at 120",
    });
    expect(imported).toEqual({
      file: AMG,
      status: 201,
      ...answer(server.received[3] as Received),
    });
  });

  it("stops at a server that cannot be reached, and says so once with what to do", async () => {
    const server = await uploadServer((req, res) => send(res, 201, answer(req)));
    const url = server.url;
    await close?.();
    close = undefined;
    const { out, err } = outputs();
    const code = await importFiles({
      url,
      files: [W13, AMG, W13],
      json: false,
      out,
      err,
      color: { out: false, err: false },
      retry: { retries: 1, baseMs: 1 },
    });
    expect(code).toBe(1);
    expect(out.text).toBe(
      `w13_red-bull-ring.ibt: cannot reach ${url} (connection refused; gave up after 2 attempts)\n`,
    );
    const lines = err.text.trim().split("\n");
    expect(lines[0]).toMatch(
      /^w13_red-bull-ring\.ibt: retry 1 in \d+ ms: network error: connection refused$/,
    );
    expect(lines.slice(1)).toEqual([
      "2 more files not sent",
      `Is the API running? Start it with \`pnpm dev --port ${new URL(url).port}\` in another ` +
        "terminal and run this again, or point --url (or SERVER_URL) at a server that is running.",
    ]);
  });

  it("goes on past a refused token and gives the advice once", async () => {
    const server = await uploadServer((_, res) =>
      send(res, 403, { error: "A read token cannot write", code: "forbidden" }),
    );
    const { out, err } = outputs();
    const code = await importFiles({
      url: server.url,
      token: "reader",
      tokenSource: "--token",
      files: [W13, AMG],
      json: false,
      out,
      err,
      color: { out: false, err: false },
    });
    expect(code).toBe(1);
    expect(out.text.trim().split("\n")).toHaveLength(2);
    expect(err.text.match(/may not do this/g)).toHaveLength(1);
    expect(err.text).toContain("The token from --token is valid but may not do this");
  });
});
