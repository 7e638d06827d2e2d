import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type FeatureFlag, isFlagOn, rolloutBucket } from '../../src/core/feature-flags.ts';

const flag = (change: Partial<FeatureFlag> = {}): FeatureFlag => ({
  key: 'weather-enrichment',
  enabled: true,
  rolloutPercent: 0,
  allow: [],
  deny: [],
  ...change,
});

const USERS = Array.from({ length: 10_000 }, () => randomUUID());
const share = (f: FeatureFlag) => USERS.filter((u) => isFlagOn(f, u)).length / USERS.length;

describe('feature flag evaluation', () => {
  it.each([5, 25, 50, 100])(
    'a %i % rollout lets in that share of 10,000 user ids, within 2 points',
    (percent) => {
      const measured = share(flag({ rolloutPercent: percent })) * 100;
      expect(Math.abs(measured - percent)).toBeLessThanOrEqual(2);
    },
  );

  it('0 % lets nobody in; 100 % everybody', () => {
    expect(share(flag({ rolloutPercent: 0 }))).toBe(0);
    expect(share(flag({ rolloutPercent: 100 }))).toBe(1);
  });

  it('is stable per user: the same answer every time, and raising the percentage only adds users', () => {
    const at5 = USERS.filter((u) => isFlagOn(flag({ rolloutPercent: 5 }), u));
    const again = USERS.filter((u) => isFlagOn(flag({ rolloutPercent: 5 }), u));
    expect(again).toEqual(at5);
    const at25 = new Set(USERS.filter((u) => isFlagOn(flag({ rolloutPercent: 25 }), u)));
    expect(at5.every((u) => at25.has(u))).toBe(true);
    // The case of the id does not move a user.
    const user = USERS[0] as string;
    expect(rolloutBucket('x', user.toUpperCase())).toBe(rolloutBucket('x', user));
  });

  it('puts a user in different buckets for different flags, so rollouts are independent', () => {
    const inA = new Set(USERS.filter((u) => isFlagOn(flag({ key: 'a', rolloutPercent: 25 }), u)));
    const inBoth = USERS.filter(
      (u) => inA.has(u) && isFlagOn(flag({ key: 'b', rolloutPercent: 25 }), u),
    ).length;
    // Independent 25 % draws overlap on about 6.25 % of users, not 25 %.
    expect(Math.abs((inBoth / USERS.length) * 100 - 6.25)).toBeLessThanOrEqual(2);
  });

  it('with no row, is on for everyone (what the system did before flags)', () => {
    expect(USERS.every((u) => isFlagOn(undefined, u))).toBe(true);
  });

  it('deny beats allow and the percentage; allow beats the percentage; off beats allow', () => {
    const [a, b, c] = USERS as [string, string, string];
    expect(isFlagOn(flag({ rolloutPercent: 100, deny: [a] }), a)).toBe(false);
    expect(isFlagOn(flag({ rolloutPercent: 100, allow: [a], deny: [a] }), a)).toBe(false);
    expect(isFlagOn(flag({ rolloutPercent: 0, allow: [b] }), b)).toBe(true);
    expect(isFlagOn(flag({ rolloutPercent: 0, allow: [b] }), c)).toBe(false);
    expect(isFlagOn(flag({ enabled: false, rolloutPercent: 100, allow: [b] }), b)).toBe(false);
    expect(isFlagOn(flag({ rolloutPercent: 0, allow: [b.toUpperCase()] }), b)).toBe(true);
  });
});
