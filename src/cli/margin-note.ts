import { formatDuration } from '../core/format';
import { lifetimeOf, refreshMarginSeconds } from '../core/refresh-margin';

/** How the refresh margin of a profile's token comes about, for `login`, `status` and `doctor`. */
export interface MarginReport {
  /** Seconds before expiry at which the token counts as stale. */
  marginSeconds: number;
  toleranceSeconds: number;
  /** The token's lifetime as the issuer gave it; undefined when unknown. */
  lifetimeSeconds?: number;
  /** The lifetime caps the tolerance: tolerance above half the lifetime. */
  capped: boolean;
}

export function marginReport(toleranceSeconds: number, token: { lifetimeSeconds?: unknown }): MarginReport {
  const lifetime = lifetimeOf(token);
  const marginSeconds = refreshMarginSeconds(toleranceSeconds, lifetime);
  return { marginSeconds, toleranceSeconds, ...(lifetime === undefined ? {} : { lifetimeSeconds: lifetime }), capped: marginSeconds < toleranceSeconds };
}

/** One sentence: when the token is refreshed, and why (doctor's "Refresh" row). */
export function describeMargin(report: MarginReport): string {
  const { marginSeconds, toleranceSeconds: tolerance, lifetimeSeconds: lifetime } = report;
  if (lifetime === undefined) {
    return `${formatDuration(marginSeconds)} before expiry (the profile's tolerance; the issuer did not say how long its access tokens live)`;
  }
  if (!report.capped) return `${formatDuration(marginSeconds)} before expiry (the profile's tolerance; the issuer's access tokens live ${formatDuration(lifetime)})`;
  return `${formatDuration(marginSeconds)} before expiry (half the lifetime): the profile's tolerance (${formatDuration(tolerance)}) is `
    + `${tolerance >= lifetime ? 'at or above' : 'more than half'} the lifetime of the issuer's access tokens (${formatDuration(lifetime)})`;
}

/**
 * What `login` says when the lifetime caps the tolerance: without the cap every token would be
 * stale the moment it was issued. Undefined when there is nothing to say.
 */
export function marginNote(report: MarginReport, issuer: string, configFile: string): string | undefined {
  const { marginSeconds, toleranceSeconds: tolerance, lifetimeSeconds: lifetime } = report;
  if (!report.capped || lifetime === undefined) return undefined;
  return `Note: ${issuer} issues access tokens that live ${formatDuration(lifetime)}, and the profile's refresh tolerance `
    + `(refreshToleranceSeconds ${tolerance}) is ${tolerance >= lifetime ? 'at or above that' : 'more than half of that'}: credshare refreshes each token `
    + `${formatDuration(marginSeconds)} before it expires (half its lifetime) instead. To use each token longer, lower "refreshToleranceSeconds" in ${configFile}.\n`;
}
