/**
 * Page cursors (DESIGN §3): opaque to clients, base64url of the last position returned, a
 * timestamp and a tie-breaker (the series, or the session of a listing).
 */
export interface Position {
  ts: number;
  tie: string;
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(p: Position): string {
  const bytes = new TextEncoder().encode(JSON.stringify([p.ts, p.tie]));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): Position | undefined {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string"
    ) {
      return { ts: value[0], tie: value[1] };
    }
  } catch {
    // not a cursor of ours
  }
  return undefined;
}
