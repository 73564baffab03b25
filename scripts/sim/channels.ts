import type { CarClass } from "./car-class";
import { INERTIA, SLIP } from "./model";
import { engineForce, enginePower, G, resistance } from "./powertrain";

/** What the chassis is doing at one instant, in the car's frame. */
export interface Motion {
  /** Road speed (m/s). */
  v: number;
  /** Along-track acceleration (m/s²). */
  a: number;
  /** Signed path curvature (1/m), left positive. */
  kappa: number;
  /** Banking (radians) and gradient (dz/ds) of the road. */
  bank: number;
  grade: number;
  /** Vertical curvature of the road (1/m): crests negative. */
  bend: number;
}

/** Lateral, longitudinal and vertical acceleration felt by the car (g); lateral left positive. */
export function accelerations(m: Motion): {
  lateral: number;
  longitudinal: number;
  vertical: number;
} {
  const centripetal = m.v * m.v * m.kappa;
  const lateral = centripetal * Math.cos(m.bank) - Math.sign(m.kappa) * G * Math.sin(m.bank);
  const vertical =
    G * Math.cos(m.bank) + Math.abs(centripetal) * Math.sin(m.bank) + m.v * m.v * m.bend;
  return { lateral: lateral / G, longitudinal: m.a / G, vertical: vertical / G };
}

/**
 * Pedals from the acceleration demand: the force the tyres must deliver (inertia, drag,
 * cornering drag, gravity) as a share of what the engine can give, or of the brake system's
 * limit when it is negative. One pedal at a time, as on a real lap's trace.
 */
export function pedals(
  car: CarClass,
  m: Motion,
  lateralG: number,
  powerScale: number,
): { throttle: number; brake: number } {
  const demand =
    car.mass * INERTIA * m.a +
    resistance(car, m.v) +
    car.mass * SLIP * Math.abs(lateralG) * G +
    car.mass * G * m.grade;
  if (demand >= 0) {
    const available = engineForce(car, m.v, powerScale);
    return { throttle: available > 0 ? clamp01(demand / available) : 1, brake: 0 };
  }
  return { throttle: 0, brake: clamp01(-demand / (car.brakeLimitG * G * car.mass)) };
}

/** Litres burnt in `dt` seconds at this throttle and engine speed. */
export function fuelBurn(
  car: CarClass,
  throttle: number,
  rpm: number,
  powerScale: number,
  dt: number,
): number {
  // Idle and overrun still burn a little: a 3 % floor on the power drawn.
  const watts = enginePower(car, rpm) * powerScale * Math.max(0.03, throttle);
  const grams = (watts / 3.6e6) * car.bsfc * dt;
  return grams / 745; // petrol, g per litre
}

/** Four tyre carcass temperatures (°C): front-left, front-right, rear-left, rear-right. */
export type TyreTemps = [number, number, number, number];

// Heating scales with sliding power (speed × load), cooling with the temperature difference
// and the airflow; the constants put race-pace equilibrium at about 80–105 °C.
const HEAT = 0.06;
const COOL = 0.012;

/** Advances tyre temperatures by `dt`: outer tyres heat in corners, fronts under braking. */
export function warmTyres(
  temps: TyreTemps,
  ambient: number,
  v: number,
  lateralG: number,
  longitudinalG: number,
  dt: number,
): TyreTemps {
  const lat = Math.abs(lateralG);
  // A left turn (positive lateral g) loads the right-hand tyres.
  const leftShare = lateralG > 0 ? 0.35 : 1;
  const rightShare = lateralG > 0 ? 1 : 0.35;
  const braking = Math.max(-longitudinalG, 0);
  const driving = Math.max(longitudinalG, 0);
  const loads: TyreTemps = [
    0.1 + lat * leftShare + braking + 0.2 * driving,
    0.1 + lat * rightShare + braking + 0.2 * driving,
    0.1 + lat * leftShare + 0.5 * braking + driving,
    0.1 + lat * rightShare + 0.5 * braking + driving,
  ];
  return temps.map((t, k) => {
    const heat = HEAT * v * (loads[k] ?? 0);
    const cool = COOL * (t - ambient) * (1 + v / 25);
    return t + (heat - cool) * dt;
  }) as TyreTemps;
}

/** Clamps to [0, 1]. */
export function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
