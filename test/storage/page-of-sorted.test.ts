import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor } from "../../src/domain/cursor";
import type { SampleValues } from "../../src/schemas/telemetry";
import {
  pageOfSorted,
  type ReadOptions,
  type Row,
  selectPage,
  tieOf,
} from "../../src/storage/reads";

// A completed lap kept in memory is paged by walking its sorted samples; the answer must be
// the page the general read (sort, then take) gives, for every window, order and cursor.
const meta = {
  sessionId: "s",
  driverId: "d",
  sessionType: "Race",
  trackName: "Spa",
  carName: "GT3",
};
const lap = fc
  .uniqueArray(fc.integer({ min: 0, max: 5_000 }), { maxLength: 300 })
  .map((ts) =>
    ts
      .sort((a, b) => a - b)
      .map((t): Row => ({ s: { ts: t, current_lap: t % 3 } as unknown as SampleValues, meta })),
  );
const options = fc.record({
  order: fc.constantFrom("asc" as const, "desc" as const),
  limit: fc.integer({ min: 1, max: 50 }),
  start: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
  end: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
  cursorAt: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
  filtered: fc.boolean(),
});

describe("pageOfSorted", () => {
  it("gives the page, and the cursor, of the general read", () => {
    fc.assert(
      fc.property(lap, options, (rows, o) => {
        const opts: ReadOptions = {
          order: o.order,
          limit: o.limit,
          start: o.start,
          end: o.end,
          cursor: o.cursorAt === undefined ? undefined : { ts: o.cursorAt, tie: tieOf(meta) },
          keep: o.filtered ? (s) => s.current_lap !== 1 : undefined,
        };
        const page = pageOfSorted(rows, opts);
        const expected = selectPage(rows, opts);
        expect(page.rows).toEqual(expected.slice(0, o.limit));
        if (expected.length > o.limit) {
          const last = expected[o.limit - 1] as Row;
          expect(decodeCursor(page.next as string)).toEqual({ ts: last.s.ts, tie: tieOf(meta) });
        } else {
          expect(page.next).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });
});
