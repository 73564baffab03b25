import { describe, expect, it } from "vitest";
import { AckLedger, compareSeries } from "../../scripts/loadtest/ledger";
import { sampleId } from "../../src/domain/sample-id";

describe("the load test's acknowledgement ledger", () => {
  it("records the ids of acknowledged batches from the server's answers, retries included", async () => {
    const ledger = new AckLedger();
    const answer = (ids: string[], status = 201) =>
      new Response(JSON.stringify({ ids, accepted: ids.length, duplicates: 0 }), { status });
    const ids = [sampleId("s", "a", 1000), sampleId("s", "a", 1017), sampleId("s", "b", 1000)];
    const fetch = ledger.wrap(async () => answer(ids));
    await fetch(new Request("http://x/api/v1/sessions/s/telemetry", { method: "POST" }));
    await fetch(new Request("http://x/api/v1/sessions/s/telemetry", { method: "POST" }));
    const refused = ledger.wrap(async () => answer([sampleId("s", "a", 5)], 400));
    await refused(new Request("http://x/", { method: "POST" }));
    expect(ledger.acked.get("s")?.get("a")).toEqual([1000, 1017, 1000, 1017]);
    expect(ledger.uniqueCount).toBe(3);
  });

  it("finds lost, duplicated and unexpected samples", () => {
    expect(compareSeries([1, 2, 3, 3], [3, 2, 1])).toEqual({
      acknowledged: 3,
      stored: 3,
      lost: 0,
      duplicates: 0,
      unexpected: 0,
    });
    expect(compareSeries([1, 2, 3], [1, 1, 3, 4])).toEqual({
      acknowledged: 3,
      stored: 4,
      lost: 1,
      duplicates: 1,
      unexpected: 1,
    });
  });
});
