import { afterEach, describe, expect, it } from "vitest";
import { TelemetrySample } from "../../../src/schemas/telemetry";
import { json, localServer, runCli, tempDir } from "./run-cli";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("pnpm simulate send", () => {
  it("posts one sample built from the flags and prints the returned id", async () => {
    const server = await localServer((_, res) => json(res, 201, { id: "x" }));
    close = server.close;
    const { code, stdout, stderr } = await runCli([
      "send",
      "--url",
      server.url,
      "--token",
      "secret-token",
      "-d",
      "alice",
      "-s",
      "practice-7",
      "-t",
      "Monza",
      "-c",
      "Ferrari 296 GT3",
      "--session-type",
      "Race",
      "--speed",
      "201.5",
      "-r",
      "8100",
      "-g",
      "5",
      "-l",
      "3",
      "-f",
      "42.5",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("x\n");

    expect(server.seen).toHaveLength(1);
    const [req] = server.seen;
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/api/v1/telemetry");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers.authorization).toBe("Bearer secret-token");
    const body = JSON.parse(req?.body ?? "");
    // Exactly what the Worker accepts, with the flags where they belong.
    expect(TelemetrySample.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({
      driver_id: "alice",
      session_id: "practice-7",
      // A known track as iRacing names it; the car was typed that way already.
      track_name: "Autodromo Nazionale Monza - Grand Prix",
      car_name: "Ferrari 296 GT3",
      session_type: "Race",
      speed: 201.5,
      rpm: 8100,
      gear: 5,
      current_lap: 3,
      fuel_level: 42.5,
    });
    expect(body).not.toHaveProperty("timestamp");
  });

  it("takes the URL from SERVER_URL in .env and the token from a local .dev.vars", async () => {
    const server = await localServer((_, res) => json(res, 201, { id: "from-env" }));
    close = server.close;
    const cwd = tempDir({
      ".env": `SERVER_URL=${server.url}\n`,
      ".dev.vars": "INGEST_TOKEN=local-ingest\nADMIN_TOKEN=local-admin\n",
    });
    const { code, stdout } = await runCli(
      ["send", "--json", "--timestamp", "2024-05-01T12:00:00Z"],
      {
        cwd,
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ id: "from-env", status: 201 });
    expect(server.seen[0]?.headers.authorization).toBe("Bearer local-ingest");
    expect(JSON.parse(server.seen[0]?.body ?? "").timestamp).toBe("2024-05-01T12:00:00Z");
  });

  it("retries a 503 and prints the id of the retry", async () => {
    let calls = 0;
    const server = await localServer((_, res) =>
      ++calls === 1
        ? json(res, 503, { error: "D1 is down", code: "unavailable", request_id: "r1" })
        : json(res, 201, { id: "second" }),
    );
    close = server.close;
    const { code, stdout, stderr } = await runCli(["send", "--url", server.url]);
    expect(code).toBe(0);
    expect(stdout).toBe("second\n");
    expect(stderr).toMatch(/^retry 1 in \d+ ms: 503 unavailable: D1 is down\n$/);
  });

  it("prints the server's error and exits with 1 when the sample is refused", async () => {
    const server = await localServer((_, res) =>
      json(res, 401, { error: "Unknown bearer token", code: "unauthorized", request_id: "r-9" }),
    );
    close = server.close;
    const { code, stdout, stderr } = await runCli(["send", "--url", server.url, "--token", "bad"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.split("\n")[0]).toBe(
      "error: 401 unauthorized: Unknown bearer token (request r-9)",
    );
    expect(stderr).toContain("The server does not know the token from --token.");
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(server.seen).toHaveLength(1);
  });
});
