import { describe, expect, it } from "vitest";
import { resolveEndpoint } from "../../../scripts/client/endpoint";
import { UsageError } from "../../../scripts/lib/flags";
import { tempDir } from "./run-cli";

const files = tempDir({
  ".env": "SERVER_URL=http://127.0.0.1:9000/\nAPI_TOKEN='from-dotenv'\n",
  ".dev.vars": "# local\nINGEST_TOKEN=from-dev-vars\n",
});
const devVarsOnly = tempDir({ ".dev.vars": "INGEST_TOKEN=from-dev-vars\n" });
const empty = tempDir();

describe("resolveEndpoint", () => {
  it("prefers the flags", () => {
    const env = { SERVER_URL: "http://env:1", API_TOKEN: "env" };
    expect(resolveEndpoint({ url: "http://flag:2/", token: "flag" }, env, files)).toEqual({
      url: "http://flag:2",
      token: "flag",
      tokenSource: "--token",
    });
  });

  it("then the environment, which .env never overrides", () => {
    const env = { SERVER_URL: "http://env:1", API_TOKEN: "env" };
    expect(resolveEndpoint({}, env, files)).toEqual({
      url: "http://env:1",
      token: "env",
      tokenSource: "API_TOKEN",
    });
  });

  it("then .env", () => {
    expect(resolveEndpoint({}, {}, files)).toEqual({
      url: "http://127.0.0.1:9000",
      token: "from-dotenv",
      tokenSource: ".env API_TOKEN",
    });
  });

  it("then the ingest token of .dev.vars, for the local server by default", () => {
    expect(resolveEndpoint({}, {}, devVarsOnly)).toEqual({
      url: "http://localhost:8787",
      token: "from-dev-vars",
      tokenSource: ".dev.vars INGEST_TOKEN",
    });
    expect(resolveEndpoint({ url: "http://[::1]:8787" }, {}, devVarsOnly).token).toBe(
      "from-dev-vars",
    );
  });

  it("never sends the local .dev.vars token to a remote server", () => {
    const remote = resolveEndpoint({ url: "https://telemetry.example.com" }, {}, devVarsOnly);
    expect(remote).toEqual({
      url: "https://telemetry.example.com",
      token: undefined,
      tokenSource: "none",
    });
  });

  it("sends no token when none is known", () => {
    expect(resolveEndpoint({}, {}, empty).token).toBeUndefined();
  });

  it("rejects a URL that is not http(s)", () => {
    expect(() => resolveEndpoint({ url: "localhost:8787" }, {}, empty)).toThrow(UsageError);
    expect(() => resolveEndpoint({ url: "ftp://x" }, {}, empty)).toThrow(
      '--url must be an http(s) URL such as http://localhost:8787, not "ftp://x"',
    );
  });
});
