/**
 * Closed centrelines made of straights and constant-radius arcs, and their sampled form.
 * Headings are radians, counter-clockwise from +x; a left turn has positive curvature.
 */

/** One piece of a layout: a straight, or an arc turning left or right. */
export type Segment =
  | { kind: "straight"; length: number }
  | { kind: "corner"; radius: number; angle: number; dir: "L" | "R"; bank: number };

/** A straight of `length` metres. */
export const straight = (length: number): Segment => ({ kind: "straight", length });
/** A left arc: driving-line radius (m), heading change (degrees), banking (degrees). */
export const left = (radius: number, angle: number, bank = 0): Segment => ({
  kind: "corner",
  radius,
  angle,
  dir: "L",
  bank,
});
/** A right arc: driving-line radius (m), heading change (degrees), banking (degrees). */
export const right = (radius: number, angle: number, bank = 0): Segment => ({
  kind: "corner",
  radius,
  angle,
  dir: "R",
  bank,
});

/** How much closing a layout had to change it: all factors near 1 mean a faithful sketch. */
export interface Closure {
  /** Factor applied to every corner angle so the heading changes sum to ±360°. */
  angleScale: number;
  /** Factor applied to every length and radius so the loop has the official length. */
  lengthScale: number;
  /** Largest change made to one straight to close the loop, in metres (before scaling). */
  maxStraightChange: number;
  /** Distance from the end point back to the start after closing (m); ~0. */
  gap: number;
}

const DEG = Math.PI / 180;

/** Signed heading change of a segment (radians). */
export function turnOf(segment: Segment): number {
  if (segment.kind === "straight") return 0;
  return (segment.dir === "L" ? 1 : -1) * segment.angle * DEG;
}

/** Length of a segment along the driving line (m). */
export function lengthOf(segment: Segment): number {
  return segment.kind === "straight" ? segment.length : segment.radius * segment.angle * DEG;
}

/** Walks a layout from the origin heading +x; returns the end point and each straight's heading. */
export function walk(segments: readonly Segment[]): {
  x: number;
  y: number;
  heading: number;
  straightHeadings: number[];
} {
  let x = 0;
  let y = 0;
  let heading = 0;
  const straightHeadings: number[] = [];
  for (const seg of segments) {
    if (seg.kind === "straight") {
      straightHeadings.push(heading);
      x += seg.length * Math.cos(heading);
      y += seg.length * Math.sin(heading);
    } else {
      const turn = turnOf(seg);
      // Chord of the arc: length 2 r sin(|turn|/2) along the mean heading.
      const chord = 2 * seg.radius * Math.sin(Math.abs(turn) / 2);
      x += chord * Math.cos(heading + turn / 2);
      y += chord * Math.sin(heading + turn / 2);
      heading += turn;
    }
  }
  return { x, y, heading, straightHeadings };
}

/**
 * Turns a hand-drawn sketch into an exactly closed loop of the official length. Three steps,
 * each the smallest change that does the job: scale every corner angle so the turns sum to
 * ±360°; lengthen or shorten the straights, each in proportion to its length and to how well
 * it points along the gap (a weighted least-norm correction, exact because the end point is
 * linear in the straight lengths once headings are fixed); scale everything to the length.
 */
export function closeLayout(
  sketch: readonly Segment[],
  officialLength: number,
): { segments: Segment[]; closure: Closure } {
  const totalTurn = sketch.reduce((sum, seg) => sum + turnOf(seg), 0);
  const angleScale = (2 * Math.PI) / Math.abs(totalTurn);
  let segments: Segment[] = sketch.map((seg) =>
    seg.kind === "corner" ? { ...seg, angle: seg.angle * angleScale } : { ...seg },
  );

  const { x, y, straightHeadings } = walk(segments);
  // Solve (Σ w d dᵀ) λ = -gap for λ, then change straight i by w_i (d_i · λ).
  let a = 0;
  let b = 0;
  let c = 0;
  let i = 0;
  const weights = segments.flatMap((seg) => (seg.kind === "straight" ? [seg.length] : []));
  for (const h of straightHeadings) {
    const w = weights[i++] ?? 0;
    a += w * Math.cos(h) ** 2;
    b += w * Math.cos(h) * Math.sin(h);
    c += w * Math.sin(h) ** 2;
  }
  const det = a * c - b * b;
  const lx = (-x * c + y * b) / det;
  const ly = (-y * a + x * b) / det;
  let maxStraightChange = 0;
  i = 0;
  segments = segments.map((seg) => {
    if (seg.kind !== "straight") return seg;
    const h = straightHeadings[i] ?? 0;
    const delta = (weights[i++] ?? 0) * (Math.cos(h) * lx + Math.sin(h) * ly);
    maxStraightChange = Math.max(maxStraightChange, Math.abs(delta));
    return { ...seg, length: seg.length + delta };
  });

  const drawn = segments.reduce((sum, seg) => sum + lengthOf(seg), 0);
  const lengthScale = officialLength / drawn;
  segments = segments.map((seg) =>
    seg.kind === "straight"
      ? { ...seg, length: seg.length * lengthScale }
      : { ...seg, radius: seg.radius * lengthScale },
  );
  const end = walk(segments);
  const gap = Math.hypot(end.x, end.y);
  return { segments, closure: { angleScale, lengthScale, maxStraightChange, gap } };
}
