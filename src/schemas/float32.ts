/**
 * Channel values are stored as float32 (DESIGN §2). Written out as doubles they print 17 digits
 * (`212.39999389648438`); every read writes instead the shortest decimal that reads back as the
 * same float32 (`212.4`): JSON, NDJSON, CSV and the live WebSocket alike.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** `v` (a float32 value) as the double of its shortest round-tripping decimal. */
export function short32(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const abs = Math.abs(v);
  let e = Math.floor(Math.log10(abs));
  // log10 can be one off at exact powers of ten.
  if (10 ** (e + 1) <= abs) e++;
  else if (10 ** e > abs) e--;
  for (let digits = 6; digits < 9; digits++) {
    // Round to `digits` significant digits with one multiplication and one division by exact
    // powers of ten: the correctly rounded double of the decimal, as Number(toPrecision) gives.
    // Halves round away from zero, as toPrecision does.
    const p = digits - 1 - e;
    let r: number;
    if (p >= 0 && p <= 22) r = Math.round(abs * (POW10[p] as number)) / (POW10[p] as number);
    else if (p < 0 && -p <= 22) r = Math.round(abs / (POW10[-p] as number)) * (POW10[-p] as number);
    else r = Math.abs(Number(v.toPrecision(digits)));
    if (v < 0) r = -r;
    if (Math.fround(r) === v) return r;
  }
  return Number(v.toPrecision(9));
}

/**
 * A measure kept at float32 precision that may be missing (lap times, top speeds) as the
 * shortest decimal of its float32: `136.25575`, never `136.25575256347656`.
 */
export function short32OrNull(v: number | null): number | null {
  return v === null ? null : short32(Math.fround(v));
}

/**
 * `String(short32(v))`, written from the rounded digits themselves: an integer and a decimal
 * point, where formatting the double costs the runtime a shortest-digits search per value (a
 * lap's JSON has a hundred thousand of them). Values whose text JavaScript writes with an
 * exponent, or that need all nine digits, take `String`.
 */
export function short32Text(v: number): string {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (!(abs >= 1e-6 && abs < 1e15)) return String(short32(v));
  // The decimal exponent, by the same comparisons with 10^e that short32 makes.
  let e = 0;
  if (abs >= 1) while (e < 14 && (POW10[e + 1] as number) <= abs) e++;
  else while (10 ** e > abs) e--;
  for (let digits = 6; digits < 9; digits++) {
    const p = digits - 1 - e;
    if (p < 0 || p > 22) break;
    const m = Math.round(abs * (POW10[p] as number));
    const r = m / (POW10[p] as number);
    if (Math.fround(v < 0 ? -r : r) === v) return decimal(v < 0, m, p);
  }
  return String(short32(v));
}

/** The text of `m / 10^p` (m a positive integer), trailing zeros of the fraction dropped. */
function decimal(negative: boolean, m: number, p: number): string {
  let digits = String(m);
  let scale = p;
  let end = digits.length;
  while (scale > 0 && digits.charCodeAt(end - 1) === 48 /* 0 */) {
    end--;
    scale--;
  }
  if (end < digits.length) digits = digits.slice(0, end);
  let text: string;
  if (scale === 0) text = digits;
  else if (digits.length > scale) {
    text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  } else text = `0.${"0".repeat(scale - digits.length)}${digits}`;
  return negative ? `-${text}` : text;
}
