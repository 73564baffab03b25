// Optional secrets that `[secrets] required` in wrangler.toml does not list.
interface Env {
  /** When set, reads need a token too (any of the three). */
  READ_TOKEN?: string;
}
declare namespace Cloudflare {
  interface Env {
    READ_TOKEN?: string;
  }
}
