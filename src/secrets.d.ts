// The Worker's secrets (wrangler.toml lists none as required; see the comment there). Each may
// be absent: without INGEST_TOKEN or ADMIN_TOKEN the Worker refuses writes or deletes (fail
// closed); without READ_TOKEN reads need no token.
interface Env {
  INGEST_TOKEN?: string;
  ADMIN_TOKEN?: string;
  READ_TOKEN?: string;
}
declare namespace Cloudflare {
  interface Env {
    INGEST_TOKEN?: string;
    ADMIN_TOKEN?: string;
    READ_TOKEN?: string;
  }
}

// Optional bindings that wrangler.toml does not declare (so `wrangler types` leaves them out):
// HYPERDRIVE, when configured, holds history in Postgres instead of D1 (src/storage/open.ts).
interface Env {
  HYPERDRIVE?: Hyperdrive;
}
declare namespace Cloudflare {
  interface Env {
    HYPERDRIVE?: Hyperdrive;
  }
}
