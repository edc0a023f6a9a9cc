/**
 * Map failure tolerance. Unset thresholds (null) are not checked; with neither set, any failed
 * iteration fails the Map. With one or both set, the Map fails as soon as a set threshold is
 * exceeded (count: more failures than tolerated; percentage: failed/total above the percentage).
 */
export interface Tolerance {
  toleratedCount: number | null;
  toleratedPercentage: number | null;
}

export function exceedsTolerance(t: Tolerance, failed: number, total: number): boolean {
  if (t.toleratedCount === null && t.toleratedPercentage === null) return failed > 0;
  if (t.toleratedCount !== null && failed > t.toleratedCount) return true;
  if (t.toleratedPercentage !== null && total > 0 && (failed * 100) / total > t.toleratedPercentage) return true;
  return false;
}

export function hasTolerance(t: Tolerance): boolean {
  return t.toleratedCount !== null || t.toleratedPercentage !== null;
}
