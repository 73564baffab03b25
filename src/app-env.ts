import type { History } from "./storage/history";

/** The role a verified token grants. */
export type Role = "read" | "ingest" | "admin";

/** Per-request values set by middleware and read by handlers. */
export interface AppVariables {
  requestId: string;
  /** The role of the request's token, once authenticated. */
  role?: Role;
  /** Extra fields for the request's log line (session, sample count, ...). */
  logFields?: Record<string, unknown>;
  /** The request's history store (D1, or Postgres through Hyperdrive), opened on first use. */
  history: () => History;
}

/** The one Hono environment type every router and test uses. */
export type AppEnv = { Bindings: Env; Variables: AppVariables };
