import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every answer (hono's `secureHeaders`): `nosniff` on JSON, CSV and NDJSON,
 * no framing, no referrer, same-origin resources. API answers are data, never a document, so
 * their CSP allows nothing; the dashboard and the docs page set their own, which is kept.
 */
export const securityHeaders = () =>
  secureHeaders({
    overwrite: false,
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    xFrameOptions: "DENY",
    crossOriginResourcePolicy: "same-origin",
    referrerPolicy: "no-referrer",
  });
