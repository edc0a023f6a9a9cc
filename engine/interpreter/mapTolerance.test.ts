import { exceedsTolerance } from './mapTolerance';

describe('exceedsTolerance', () => {
  it('tolerates no failure when no threshold is set', () => {
    expect(exceedsTolerance({ toleratedCount: null, toleratedPercentage: null }, 0, 10)).toBe(false);
    expect(exceedsTolerance({ toleratedCount: null, toleratedPercentage: null }, 1, 10)).toBe(true);
  });

  it('fails once failures exceed ToleratedFailureCount', () => {
    const t = { toleratedCount: 2, toleratedPercentage: null };
    expect(exceedsTolerance(t, 2, 10)).toBe(false);
    expect(exceedsTolerance(t, 3, 10)).toBe(true);
  });

  it('fails once the failed share exceeds ToleratedFailurePercentage of all items', () => {
    const t = { toleratedCount: null, toleratedPercentage: 25 };
    expect(exceedsTolerance(t, 1, 4)).toBe(false);
    expect(exceedsTolerance(t, 2, 4)).toBe(true);
    expect(exceedsTolerance({ toleratedCount: null, toleratedPercentage: 100 }, 4, 4)).toBe(false);
  });

  it('with both thresholds, exceeding either fails the Map', () => {
    const t = { toleratedCount: 5, toleratedPercentage: 10 };
    expect(exceedsTolerance(t, 2, 10)).toBe(true);
    expect(exceedsTolerance({ toleratedCount: 1, toleratedPercentage: 90 }, 2, 10)).toBe(true);
    expect(exceedsTolerance({ toleratedCount: 3, toleratedPercentage: 50 }, 2, 10)).toBe(false);
  });
});
