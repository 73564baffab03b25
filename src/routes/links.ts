/** RFC 8288 `Link: <url>; rel="next"` for the page after `cursor`, or undefined. */
export function nextLink(requestUrl: string, cursor: string | null): Record<string, string> {
  if (!cursor) return {};
  const url = new URL(requestUrl);
  url.searchParams.set("cursor", cursor);
  return { Link: `<${url.toString()}>; rel="next"` };
}
