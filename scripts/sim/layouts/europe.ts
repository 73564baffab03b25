import { left, right, straight } from "../geometry";
import type { TrackSpec } from "../track-spec";

// European road courses, sketched clockwise from the start/finish line.

// The Eau Rouge–Raidillon climb and the descent past Pouhon give Spa its ~100 m of relief.
/** Spa-Francorchamps, Grand Prix layout. */
export const SPA: TrackSpec = {
  id: "spa",
  name: "Circuit de Spa-Francorchamps - Grand Prix Pits",
  length: 7004,
  kind: "road",
  superspeedway: false,
  sketch: [
    straight(190),
    right(19, 165), // La Source
    straight(470),
    left(150, 30), // Eau Rouge
    right(200, 65), // Raidillon
    left(400, 15),
    straight(500),
    right(2500, 8), // Kemmel
    straight(520),
    right(40, 75), // Les Combes
    left(40, 70),
    straight(90),
    right(60, 80), // Malmedy
    straight(300),
    right(24, 150), // Rivage
    straight(110),
    left(60, 70),
    straight(450),
    left(110, 55), // Pouhon
    straight(50),
    left(125, 65),
    straight(320),
    right(62, 70), // Fagnes
    left(66, 55),
    straight(180),
    right(78, 120), // Stavelot
    straight(120),
    right(180, 40), // Paul Frère
    straight(550),
    left(500, 20), // Blanchimont
    left(350, 25),
    straight(620),
    right(24, 75), // Bus stop
    left(24, 65),
    straight(40),
    left(300, 10),
  ],
  elevation: [
    [0, 25],
    [0.04, 32],
    [0.1, 0],
    [0.15, 38],
    [0.26, 98],
    [0.36, 60],
    [0.52, 30],
    [0.62, 10],
    [0.75, 15],
    [0.9, 22],
  ],
};

// Turn 1 and the Remus hairpin sit ~65 m above the Rindt and the infield.
/** Red Bull Ring, Grand Prix layout. */
export const RED_BULL_RING: TrackSpec = {
  id: "red-bull-ring",
  name: "Red Bull Ring - Grand Prix",
  length: 4318,
  kind: "road",
  superspeedway: false,
  sketch: [
    straight(320),
    right(55, 80), // Niki Lauda
    straight(430),
    left(600, 12),
    straight(360),
    right(22, 125), // Remus
    straight(620),
    right(50, 75), // Schlossgold
    straight(200),
    left(100, 60),
    straight(110),
    left(75, 120),
    straight(170),
    right(130, 65),
    straight(280),
    right(70, 85), // Rindt
    straight(260),
    right(120, 40),
    straight(150),
    right(85, 70), // Red Bull Mobile
    straight(280),
  ],
  elevation: [
    [0, 20],
    [0.08, 40],
    [0.3, 65],
    [0.45, 35],
    [0.6, 18],
    [0.75, 0],
    [0.9, 8],
  ],
};

/** Monza, Grand Prix layout (both chicanes). */
export const MONZA: TrackSpec = {
  id: "monza",
  name: "Autodromo Nazionale Monza - Grand Prix",
  length: 5793,
  kind: "road",
  superspeedway: false,
  sketch: [
    straight(600),
    right(22, 85), // Rettifilo
    left(22, 80),
    straight(150),
    right(330, 90), // Biassono
    straight(520),
    left(25, 60), // Roggia
    right(25, 60),
    straight(250),
    right(85, 85), // Lesmo 1
    straight(220),
    right(75, 65), // Lesmo 2
    straight(580),
    left(800, 15), // Serraglio
    straight(380),
    left(70, 60), // Ascari
    right(65, 90),
    left(110, 40),
    straight(950),
    right(80, 80), // Parabolica
    right(250, 100),
    straight(480),
  ],
  elevation: [
    [0, 5],
    [0.3, 10],
    [0.55, 0],
    [0.8, 3],
  ],
};
