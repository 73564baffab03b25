/** REST reads of the API, with the read token when one is set. */

const TOKEN_KEY = "rustegrate.token";

/** The read token from the settings dialog (stored in localStorage), or "". */
export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Stores (or, when empty, forgets) the read token. */
export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An API error with its status and `code` from the error body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(path) {
  const token = getToken();
  const res = await fetch(path, {
    headers: token ? { Authorization: `Bearer ${token}`, Accept: "application/json" } : {},
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.code ?? "http", body.error ?? `HTTP ${res.status}`);
  }
  return res;
}

/** GETs a path and parses the JSON body. */
export async function getJson(path) {
  return (await request(path)).json();
}

/** GETs a list, following `Link: rel="next"` for at most `maxPages` pages. */
export async function getAll(path, maxPages = 10) {
  const out = [];
  let next = path;
  for (let page = 0; next && page < maxPages; page++) {
    const res = await request(next);
    out.push(...(await res.json()));
    const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("Link") ?? "");
    next = link ? link[1] : null;
  }
  return out;
}

const enc = encodeURIComponent;

export const sessionsPath = () => "/api/v1/sessions?limit=50";
export const sessionPath = (id) => `/api/v1/sessions/${enc(id)}`;
export const lapsPath = (id) => `/api/v1/sessions/${enc(id)}/laps`;

/** The session's samples for some channels, filtered by driver and lap or time range. */
export function telemetryPath(id, params) {
  const q = new URLSearchParams({ limit: "10000", ...params });
  return `/api/v1/sessions/${enc(id)}/telemetry?${q}`;
}
