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
