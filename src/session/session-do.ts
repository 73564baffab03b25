import { DurableObject } from "cloudflare:workers";

/**
 * One object per racing session (`idFromName(session_id)`): the session's single writer and
 * the holder of its hot state.
 */
export class SessionDO extends DurableObject<Env> {}
