import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ClientError, type TokenSource } from "../../../scripts/client/exchange";
import { createClient } from "../../../scripts/client/ingest";
import { advice } from "../../../scripts/lib/exit";
import { json, localServer, runCli, tempDir } from "./run-cli";

const W13 = join(resolve(import.meta.dirname, "../../fixtures/ibt"), "w13_red-bull-ring.ibt");

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A loopback URL where nothing listens: a port the system handed out, then closed. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

/** What Node's fetch throws when nothing listens. */
const refused = () =>
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
  });

const refusal = (status: number, url: string, tokenSource?: TokenSource) =>
  new ClientError(`${status} nope: no`, 1, status, "nope", undefined, { url, tokenSource });

describe("a failed request names the server and says what to do", () => {
  it("says which server could not be reached and why, and suggests pnpm dev for a local one", async () => {
    const c = createClient({
      url: "http://localhost:8787/",
      fetch: async () => {
        throw refused();
      },
      retry: { retries: 0 },
    });
    const error = (await c.postSample({} as never).catch((e: unknown) => e)) as ClientError;
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toBe(
      "cannot reach http://localhost:8787 (connection refused; gave up after 1 attempt)",
    );
    expect(error.unreachable).toBe(true);
    expect(advice(error)).toMatch(/^Is the API running\? Start it with `pnpm dev` in another/);
    const elsewhere = new ClientError("x", 1, undefined, undefined, undefined, {
      url: "http://127.0.0.1:9123",
    });
    expect(advice(elsewhere)).toContain("`pnpm dev --port 9123`");
    const remote = new ClientError("x", 1, undefined, undefined, undefined, {
      url: "https://telemetry.example.com",
    });
    expect(advice(remote)).toMatch(
      /^Nothing answered at https:\/\/telemetry\.example\.com\. Check the URL/,
    );
  });

  it("says where a refused token came from and what to do about it", () => {
    const local = "http://localhost:8787";
    expect(advice(refusal(401, local, ".dev.vars INGEST_TOKEN"))).toMatch(
      /INGEST_TOKEN in \.dev\.vars.*Restart `pnpm dev` from this folder, or pass .* --token/,
    );
    expect(advice(refusal(401, local, "API_TOKEN"))).toMatch(
      /token from the API_TOKEN environment variable\. Set the API_TOKEN environment variable to the server's INGEST_TOKEN, or remove it/,
    );
    expect(advice(refusal(401, local, ".env API_TOKEN"))).toContain("token from API_TOKEN in .env");
    expect(advice(refusal(401, local, "--token"))).toMatch(
      /token from --token\. Pass the server's INGEST_TOKEN with --token/,
    );
    expect(advice(refusal(401, local, "none"))).toMatch(/^No token was sent: .*\.dev\.vars/);
    expect(advice(refusal(403, local, "API_TOKEN"))).toMatch(
      /^The token from the API_TOKEN environment variable is valid but may not do this.*INGEST_TOKEN or ADMIN_TOKEN/,
    );
    // The server's own message is enough for everything else.
    expect(advice(refusal(400, local, "--token"))).toBeUndefined();
    expect(advice(refusal(422, local, "--token"))).toBeUndefined();
  });

  it("every sending command names the URL and suggests pnpm dev when the server is down, without a stack trace", async () => {
    const url = await deadUrl();
    const port = new URL(url).port;
    const runs = await Promise.all([
      runCli(["send", "--url", url]),
      runCli(
        ["--track", "charlotte-oval", "--car", "nascar-cup", "--laps", "1", "--hz", "10"].concat([
          "--max",
          "--retries",
          "0",
          "--url",
          url,
        ]),
      ),
      runCli(["replay", W13, "--max", "--retries", "0", "--url", url]),
      runCli(["import", W13, "--url", url]),
    ]);
    for (const { code, stderr, stdout } of runs) {
      expect(code).toBe(1);
      expect(`${stdout}${stderr}`).toContain(
        `cannot reach ${url} (connection refused; gave up after`,
      );
      expect(stderr).toContain(`Is the API running? Start it with \`pnpm dev --port ${port}\``);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it("names the token's source when a local server refuses it", async () => {
    const server = await localServer((_, res) =>
      json(res, 401, { error: "Unknown bearer token", code: "unauthorized", request_id: "r-1" }),
    );
    close = server.close;
    const cwd = tempDir({ ".dev.vars": "INGEST_TOKEN=stale\n" });
    const [fromFile, fromEnv] = await Promise.all([
      runCli(["send", "--url", server.url], { cwd }),
      runCli(["import", W13, "--url", server.url], { cwd, env: { API_TOKEN: "wrong" } }),
    ]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toBe(
      "error: 401 unauthorized: Unknown bearer token (request r-1)\n" +
        "The server does not know the INGEST_TOKEN in .dev.vars: it was started with other tokens " +
        "(another folder's .dev.vars, or before the file changed). Restart `pnpm dev` from this " +
        "folder, or pass the server's token with --token.\n",
    );
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout).toBe(
      "w13_red-bull-ring.ibt: 401 unauthorized: Unknown bearer token (request r-1)\n",
    );
    expect(fromEnv.stderr).toContain(
      "The server does not know the token from the API_TOKEN environment variable.",
    );
    const auth = server.seen.map((r) => r.headers.authorization).sort();
    expect(auth).toEqual(["Bearer stale", "Bearer wrong"]);
  }, 30_000);
});
