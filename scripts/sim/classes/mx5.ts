import type { CarClass } from "../car-class";

/** Global Mazda MX-5 Cup (ND2): 181 hp, spec tyres, H-pattern gearbox. */
export const MX5_CUP: CarClass = {
  id: "mx5-cup",
  name: "Mazda MX-5 Cup",
  cars: ["Global Mazda MX-5 Cup"],
  mass: 1150,
  torqueCurve: [
    [1000, 120],
    [2500, 180],
    [4000, 205],
    [5500, 200],
    [7000, 185],
    [7500, 170],
  ],
  idleRpm: 900,
  limitRpm: 7500,
  gears: [5.087, 2.991, 2.035, 1.594, 1.286, 1.0],
  finalDrive: 2.866,
  wheelRadius: 0.3,
  drivelineEfficiency: 0.9,
  muLat: 1.3,
  muLong: 1.25,
  ovalGrip: 1,
  brakeLimitG: 1.3,
  liftArea: 0.05,
  dragArea: 0.7,
  rollingResistance: 0.015,
  drivenAxleShare: 0.5,
  wheelbase: 2.31,
  steeringRatio: 15,
  fuelCapacity: 45,
  bsfc: 280,
  manualClutch: true,
  superspeedwayPower: 1,
  calibration: { grip: 1.274, power: 1.004 },
  references: {
    "laguna-seca": {
      lapTime: 98.0,
      source: "Mazda MX-5 Cup (ND2), Laguna Seca race laps ≈ 1:37.5–1:38.5",
    },
    "watkins-glen-boot": {
      lapTime: 130.5,
      source: "Mazda MX-5 Cup, Watkins Glen 2023: practice best 2:08.6 in the draft, race ≈ 2:10",
    },
  },
};
