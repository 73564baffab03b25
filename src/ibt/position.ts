/**
 * Lat/Lon/Alt → local metres for `position_x/y/z`. Transport-free. The origin is the first valid
 * fix of the recording: x points east, y north, z up (Alt − the first Alt). The projection is
 * equirectangular on the WGS84 ellipsoid's local radii at the origin, which stays within
 * centimetres of a proper local tangent plane over the few kilometres of a circuit.
 */

/** One GNSS-style fix as iRacing records it: degrees, degrees, metres. */
export interface Fix {
  lat: number;
  lon: number;
  alt: number;
}

/** Local metres. */
export interface Position {
  x: number;
  y: number;
  z: number;
}

const WGS84_A = 6_378_137;
const WGS84_E2 = 6.69437999014e-3;
const DEG = Math.PI / 180;

/** A fix worth projecting: finite, and not iRacing's 0, 0 "no position". */
export function validFix(fix: Fix | undefined): fix is Fix {
  return (
    fix !== undefined &&
    Number.isFinite(fix.lat) &&
    Number.isFinite(fix.lon) &&
    Number.isFinite(fix.alt) &&
    Math.abs(fix.lat) <= 90 &&
    !(fix.lat === 0 && fix.lon === 0)
  );
}

/**
 * A stateful projector: the first valid fix becomes the origin; a sample without a valid fix
 * keeps the last position (0, 0, 0 before the first fix).
 */
export function projector(): (fix: Fix | undefined) => Position {
  let origin: (Fix & { east: number; north: number }) | undefined;
  let last: Position = { x: 0, y: 0, z: 0 };
  return (fix) => {
    if (!validFix(fix)) return last;
    if (!origin) origin = { ...fix, ...metresPerDegree(fix.lat) };
    // Longitudes across the antimeridian: take the short way round.
    const dLon = ((((fix.lon - origin.lon) % 360) + 540) % 360) - 180;
    last = {
      x: dLon * origin.east,
      y: (fix.lat - origin.lat) * origin.north,
      z: fix.alt - origin.alt,
    };
    return last;
  };
}

/** Metres per degree of longitude (east) and latitude (north) at latitude `lat`. */
export function metresPerDegree(lat: number): { east: number; north: number } {
  const sin = Math.sin(lat * DEG);
  const w = Math.sqrt(1 - WGS84_E2 * sin * sin);
  const primeVertical = WGS84_A / w;
  const meridian = (WGS84_A * (1 - WGS84_E2)) / (w * w * w);
  return { east: primeVertical * Math.cos(lat * DEG) * DEG, north: meridian * DEG };
}
