/**
 * The standard normal and its truncation to [a, b], in log space where tails demand it. The scheme
 * follows Optuna's `_truncnorm.py` (itself from SciPy): masses of intervals are computed in the left
 * tail, mirrored for the right tail, and with log1p(−Φ(a) − Φ(−b)) for intervals around 0, so that
 * neither far tails nor masses near 1 lose their digits. Quantiles come from log-probabilities, so a
 * kernel whose truncation interval lies 30σ from its mean still samples inside the interval.
 *
 * erfc uses the Chebyshev-fitted form of Numerical Recipes (2nd ed., §6.2, `erfcc`): relative error
 * below 1.2·10⁻⁷ everywhere, tails included, and cheap enough for the per-candidate kernel sums.
 * The inverse normal is Acklam's rational approximation (relative error 1.15·10⁻⁹), whose tail branch
 * takes log p directly.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

function erfcPoly(t: number): number {
  return (
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** log erfc(z) for z ≥ 0, without underflow for large z. */
function logErfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return Math.log(t) - z * z + erfcPoly(t);
}

/** Complementary error function, relative error < 1.2e-7. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const v = t * Math.exp(-z * z + erfcPoly(t));
  return x >= 0 ? v : 2 - v;
}

/** Standard normal CDF Φ(x). */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

/** log Φ(x), accurate in the far left tail (x = −40 gives ≈ −804.6, not −∞). */
export function logNdtr(x: number): number {
  if (x === -Infinity) return -Infinity;
  if (x < 0) return Math.log(0.5) + logErfcNonNegative(-x * SQRT1_2);
  return Math.log1p(-0.5 * erfc(x * SQRT1_2));
}

/** log of the standard normal density. */
export function normLogPdf(x: number): number {
  return -0.5 * x * x - LN_SQRT_2PI;
}

/** log(e^p − e^q) for p ≥ q. */
function logDiff(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  return p > q ? p + Math.log1p(Math.exp(q - p)) : q + Math.log1p(Math.exp(p - q));
}

/**
 * log P(a ≤ Z ≤ b) for a standard normal Z, a ≤ b (a may be −∞, b may be +∞). Narrow intervals use
 * the midpoint rule with its second-order correction, exact to ~1e-12 there, where the difference of
 * two CDF values would lose digits to cancellation.
 */
export function logGaussMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  const width = b - a;
  if (width * (1 + Math.max(Math.abs(a), Math.abs(b))) < 1e-2) {
    const m = 0.5 * (a + b);
    return Math.log(width) + normLogPdf(m) + Math.log1p((width * width * (m * m - 1)) / 24);
  }
  // Both ends beyond 8.5σ: the excluded mass is below 1e-17, so log of the mass is 0 in doubles.
  if (a < -8.5 && b > 8.5) return 0;
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const LOG_P_LOW = Math.log(0.02425);
const LOG_P_HIGH = Math.log1p(-0.02425);

function tail(q: number): number {
  return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
}

/** The x with log Φ(x) = y, for y ≤ 0 (Acklam). */
export function ndtriExp(y: number): number {
  if (y === -Infinity) return -Infinity;
  if (y >= 0) return Infinity;
  if (y < LOG_P_LOW) return tail(Math.sqrt(-2 * y));
  if (y > LOG_P_HIGH) return -tail(Math.sqrt(-2 * Math.log(-Math.expm1(y))));
  const q = Math.exp(y) - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/**
 * Quantile of the standard normal truncated to [a, b]: the x in [a, b] with P(a ≤ Z ≤ x) = q·P(a ≤ Z ≤ b).
 * Works from the side nearer the mass (Optuna `ppf`): from a's left tail when a < 0, else mirrored.
 * `logMass` is `logGaussMass(a, b)`, which a caller that keeps it per kernel passes in.
 */
export function truncnormPpf(q: number, a: number, b: number, logMass = logGaussMass(a, b)): number {
  if (q <= 0) return a;
  if (q >= 1) return b;
  const x = a < 0 ? ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass)) : -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  return Math.min(b, Math.max(a, x));
}

/** log density at x of the standard normal truncated to [a, b]; −∞ outside. */
export function truncnormLogPdf(x: number, a: number, b: number): number {
  if (x < a || x > b) return -Infinity;
  return normLogPdf(x) - logGaussMass(a, b);
}
