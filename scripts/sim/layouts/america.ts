import { left, right, type Segment, straight } from "../geometry";
import type { TrackSpec } from "../track-spec";

const MILE = 1609.344;

/** Daytona, the 2.5-mile tri-oval. */
export const DAYTONA: TrackSpec = {
  id: "daytona-oval",
  name: "Daytona International Speedway - Oval",
  length: 2.5 * MILE,
  kind: "oval",
  superspeedway: true,
  // The line sits at the apex of the tri-oval dogleg; 31° turns, 18° tri-oval.
  sketch: [
    left(900, 15, 18),
    straight(330),
    left(330, 165, 31), // Turns 1–2
    straight(914),
    left(330, 165, 31), // Turns 3–4
    straight(330),
    left(900, 15, 18),
  ],
  elevation: [],
};

/** Charlotte, the 1.5-mile quad-oval. */
export const CHARLOTTE: TrackSpec = {
  id: "charlotte-oval",
  name: "Charlotte Motor Speedway - Oval",
  length: 1.5 * MILE,
  kind: "oval",
  superspeedway: false,
  // A quad-oval: two 24° turns, the front stretch broken by two gentle 5° kinks.
  sketch: [
    straight(30),
    left(700, 17, 5),
    straight(75),
    left(230, 163, 24), // Turns 1–2
    straight(480),
    left(230, 163, 24), // Turns 3–4
    straight(75),
    left(700, 17, 5),
    straight(30),
  ],
  elevation: [],
};

// Turn 1 and the Remus hairpin sit ~65 m above the Rindt and the infield.

// The Boot dives ~40 m below the chute; the esses climb from the 90 to the back straight.
const GLEN_START: Segment[] = [
  straight(320),
  right(55, 90), // The 90
  straight(120),
  left(220, 40), // Esses
  right(220, 55),
  left(300, 5),
  straight(780),
  left(55, 35), // Inner loop: the line straightens the chicane
  right(55, 70),
  left(55, 35),
  straight(350),
  right(130, 140), // Outer loop
];

/** Watkins Glen, long course with the Boot and the Inner Loop. */
export const WATKINS_GLEN_BOOT: TrackSpec = {
  id: "watkins-glen-boot",
  name: "Watkins Glen International - Boot",
  length: 3.45 * MILE,
  kind: "road",
  superspeedway: false,
  sketch: [
    ...GLEN_START,
    straight(500), // Chute
    left(150, 60), // Entrance to the Boot
    straight(450),
    right(75, 80), // Toe
    straight(350),
    right(75, 70), // Heel
    straight(550),
    right(180, 20), // Scheckter
    straight(200),
    left(140, 50),
    straight(300),
    right(140, 25),
    straight(280),
    right(70, 35), // Turn 11
    straight(300),
  ],
  elevation: [
    [0, 10],
    [0.06, 0],
    [0.2, 30],
    [0.4, 35],
    [0.55, 25],
    [0.68, -8],
    [0.85, 5],
  ],
};

/** Watkins Glen, NASCAR's short course (no Boot). */
export const WATKINS_GLEN_CUP: TrackSpec = {
  id: "watkins-glen-cup",
  name: "Watkins Glen International - Cup",
  length: 2.45 * MILE,
  kind: "road",
  superspeedway: false,
  sketch: [
    ...GLEN_START,
    straight(1180),
    right(120, 70),
    straight(250),
    right(70, 50),
    straight(200),
  ],
  elevation: [
    [0, 10],
    [0.08, 0],
    [0.3, 30],
    [0.55, 35],
    [0.85, 15],
  ],
};

// Counter-clockwise; the Corkscrew drops ~18 m in 150 m, the Rahal straight climbs to it.
/** Laguna Seca, full course. */
export const LAGUNA_SECA: TrackSpec = {
  id: "laguna-seca",
  name: "WeatherTech Raceway at Laguna Seca - Full Course",
  length: 3602,
  kind: "road",
  superspeedway: false,
  sketch: [
    straight(220),
    left(300, 20), // Turn 1
    straight(240),
    left(30, 175), // Andretti hairpin
    straight(230),
    right(65, 90),
    straight(240),
    right(100, 85),
    straight(380),
    left(65, 110),
    straight(280),
    left(90, 95),
    straight(330),
    right(150, 25),
    left(38, 70), // Corkscrew
    right(38, 90),
    straight(140),
    left(110, 110), // Rainey
    straight(190),
    right(90, 70),
    straight(180),
    left(30, 125),
    straight(260),
  ],
  elevation: [
    [0, 20],
    [0.08, 24],
    [0.16, 5],
    [0.35, 0],
    [0.5, 25],
    [0.62, 55],
    [0.67, 38],
    [0.8, 22],
    [0.92, 18],
  ],
};
