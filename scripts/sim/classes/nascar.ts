import type { CarClass } from "../car-class";

/** NASCAR Cup Series Next Gen: 670 hp (510 on superspeedways), 1500 kg. */
export const NASCAR_CUP: CarClass = {
  id: "nascar-cup",
  name: "NASCAR Cup",
  cars: [
    "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1",
    "NASCAR Cup Series Next Gen Ford Mustang",
    "NASCAR Cup Series Next Gen Toyota Camry",
  ],
  mass: 1630,
  torqueCurve: [
    [2000, 400],
    [4000, 500],
    [6000, 560],
    [7500, 560],
    [8500, 540],
    [9200, 500],
    [9500, 480],
  ],
  idleRpm: 1500,
  limitRpm: 9500,
  gears: [2.95, 2.13, 1.66, 1.3, 1.05],
  finalDrive: 3.8,
  wheelRadius: 0.34,
  drivelineEfficiency: 0.9,
  muLat: 1.45,
  muLong: 1.4,
  // Goodyear's oval compounds are far harder than the road-course ones.
  ovalGrip: 0.75,
  brakeLimitG: 1.4,
  liftArea: 1.6,
  dragArea: 0.9,
  rollingResistance: 0.015,
  drivenAxleShare: 0.5,
  wheelbase: 2.8,
  steeringRatio: 12,
  fuelCapacity: 75.7,
  bsfc: 280,
  manualClutch: false,
  // 670 hp elsewhere, 510 hp with the superspeedway tapered spacer.
  superspeedwayPower: 510 / 670,
  calibration: { grip: 1.094, power: 1.071 },
  references: {
    // The model has no draft, so a solo lap is the fair comparison.
    "daytona-oval": {
      lapTime: 49.7,
      source: "NASCAR Cup Next Gen, Daytona 500 single-car qualifying ≈ 181 mph (≈ 49.7 s)",
    },
    "charlotte-oval": {
      lapTime: 30.8,
      source: "NASCAR Cup Next Gen, Charlotte green-flag race laps ≈ 30.5–31 s (≈ 175 mph)",
    },
    "watkins-glen-cup": {
      lapTime: 73.5,
      source: "NASCAR Cup Next Gen, Watkins Glen race laps ≈ 1:13–1:14",
    },
  },
};
