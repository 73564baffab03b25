import type { SessionStore } from "./store";
import type { IngestOutcome, IngestRequest } from "./types";

/** What idempotency reads of a request. */
type Keyed = Pick<IngestRequest, "idempotency">;

/** How long an `Idempotency-Key` is remembered. */
const TTL_MS = 24 * 60 * 60 * 1000;

const KEY_REUSED: IngestOutcome = {
  ok: false,
  code: "idempotency_key_reused",
  message:
    "Idempotency-Key was already used with a different request: use a new key for a new batch",
  details: [{ path: "Idempotency-Key", message: "was already used with a different request" }],
};

/**
 * `Idempotency-Key` (DESIGN §4): a key is kept with the fingerprint of its request and the
 * answer it got. The same key and fingerprint get that answer again; the same key with another
 * fingerprint is refused and stores nothing.
 */
export class Idempotency {
  constructor(readonly store: () => SessionStore | null) {}

  /** The answer to a request already seen under its key (or its refusal), or undefined. */
  check(req: Keyed): IngestOutcome | undefined {
    const key = req.idempotency;
    const store = this.store();
    if (!key || !store) return undefined;
    const seen = store.idempotent(key.key);
    if (!seen) return undefined;
    if (seen.fingerprint !== key.fingerprint) return KEY_REUSED;
    return JSON.parse(seen.outcome) as IngestOutcome;
  }

  /** Keeps the answer a keyed request got (only successes: a refused request may be retried). */
  remember(req: Keyed, outcome: IngestOutcome, now: number): void {
    const key = req.idempotency;
    const store = this.store();
    if (!key || !store || !outcome.ok) return;
    store.remember(key.key, key.fingerprint, JSON.stringify(outcome), now, now - TTL_MS);
  }
}
