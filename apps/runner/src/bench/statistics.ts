/** Small statistics for benchmark runs: mean and the 95% confidence interval of the mean. */

/** Two-sided 95% Student t quantiles for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Summary of repeated measurements. */
export interface Summary {
  count: number;
  mean: number;
  /** Half-width of the 95% confidence interval of the mean (0 for one sample). */
  ci95: number;
  /** `ci95` as a percentage of the mean (0 when the mean is 0). */
  ci95Percent: number;
}

/** Mean and 95% confidence half-width (Student t) of `values`. @throws RangeError on no values. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('no values to summarize');
  const count = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / count;
  if (count === 1) return { count, mean, ci95: 0, ci95Percent: 0 };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1);
  const t = count - 1 <= T95.length ? T95[count - 2] : 1.96;
  const ci95 = (t * Math.sqrt(variance)) / Math.sqrt(count);
  return { count, mean, ci95, ci95Percent: mean === 0 ? 0 : (ci95 / mean) * 100 };
}
