// Figures for `npm run bench:soak`: a scaled-up demo site, and the least-squares slope of
// a memory figure over the last half of a run.

/**
 * The built-in demo site with every device repeated `copies` times (ids suffixed -s2, -s3...)
 * and every rate multiplied by `rateScale`, capped at what the site schema allows (100 Hz).
 */
export function scaledDemoSite(site, copies, rateScale) {
  const devices = [];
  for (let copy = 1; copy <= copies; copy++) {
    for (const d of site.devices) {
      devices.push({
        ...d,
        id: copy === 1 ? d.id : `${d.id}-s${copy}`,
        name: copy === 1 ? d.name : `${d.name} (soak ${copy})`,
        rateHz: Math.min(100, Math.max(0.1, d.rateHz * rateScale)),
      });
    }
  }
  return { ...site, name: `${site.name}, soak x${copies} at ${rateScale}x rate`, devices };
}

/** readings per second the site produces (before duplicates and late deliveries) */
export function readingsPerSecond(site) {
  return site.devices.reduce((sum, d) => sum + d.rateHz * Object.keys(d.metrics).length, 0);
}

/**
 * Least-squares slope of `value` against `minute`, in units per hour, over the samples in
 * the last half of the run (minute >= half the last sample's minute). NaN with fewer than
 * two such samples.
 */
export function lastHalfSlopePerHour(samples, value) {
  if (samples.length === 0) return Number.NaN;
  const end = samples[samples.length - 1].minute;
  const half = samples.filter((s) => s.minute >= end / 2);
  const n = half.length;
  if (n < 2) return Number.NaN;
  const mx = half.reduce((a, s) => a + s.minute, 0) / n;
  const my = half.reduce((a, s) => a + value(s), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const s of half) {
    sxy += (s.minute - mx) * (value(s) - my);
    sxx += (s.minute - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : (sxy / sxx) * 60;
}
