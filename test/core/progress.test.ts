import { describe, expect, it } from 'vitest';
import { computeProgress } from '../../src/core/progress.ts';

const base = {
  status: 'running' as const,
  phase: 'fetching' as const,
  kind: 'backfill' as const,
  activities_stored: 0,
  activities_enriched: 0,
  weather_unavailable: 0,
  total_estimate: 800,
  started_at: new Date('2026-03-01T10:00:00Z'),
  resume_at: null,
  waiting_for: null,
};
const at = (iso: string) => Date.parse(iso);

describe('sync progress', () => {
  it('measures fetching against the athlete’s run count', () => {
    const p = computeProgress({ ...base, activities_stored: 400 }, at('2026-03-01T10:01:00Z'));
    expect(p).toEqual({ percent: 40, etaSeconds: 90, waitingUntil: null, waitingFor: null });
  });

  it('says it does not know rather than guess without an estimate', () => {
    expect(
      computeProgress(
        { ...base, total_estimate: null, activities_stored: 50 },
        at('2026-03-01T10:01:00Z'),
      ),
    ).toEqual({
      percent: null,
      etaSeconds: null,
      waitingUntil: null,
      waitingFor: null,
    });
  });

  it('moves through enriching to 98% and ends at 100%', () => {
    const enriching = computeProgress(
      {
        ...base,
        phase: 'enriching',
        activities_stored: 800,
        activities_enriched: 300,
        weather_unavailable: 100,
      },
      at('2026-03-01T10:02:00Z'),
    );
    expect(enriching.percent).toBe(89);
    expect(
      computeProgress(
        { ...base, phase: 'finalizing', activities_stored: 800 },
        at('2026-03-01T10:03:00Z'),
      ).percent,
    ).toBe(98);
    expect(
      computeProgress(
        { ...base, status: 'completed', phase: 'finalizing' },
        at('2026-03-01T10:03:00Z'),
      ),
    ).toEqual({
      percent: 100,
      etaSeconds: 0,
      waitingUntil: null,
      waitingFor: null,
    });
  });

  it('adds the known wait of a parked session and says until when', () => {
    const p = computeProgress(
      {
        ...base,
        status: 'rate_limited',
        activities_stored: 200,
        resume_at: new Date('2026-03-01T10:15:00Z'),
      },
      at('2026-03-01T10:05:00Z'),
    );
    expect(p.waitingUntil).toBe('2026-03-01T10:15:00.000Z');
    // 300 s of work for 20%: 1,200 s more work, plus the 600 s wait.
    expect(p.etaSeconds).toBe(1800);
  });

  it('says which provider a session parked in enriching waits for, and counts the wait', () => {
    const p = computeProgress(
      {
        ...base,
        status: 'rate_limited',
        phase: 'enriching',
        activities_stored: 800,
        activities_enriched: 700,
        resume_at: new Date('2026-03-01T10:10:40Z'),
        waiting_for: 'nominatim',
      },
      at('2026-03-01T10:10:00Z'),
    );
    expect(p).toMatchObject({
      percent: 95.8,
      waitingFor: 'nominatim',
      waitingUntil: '2026-03-01T10:10:40.000Z',
    });
    // 600 s of work for 95.8%: about 26 s more work, plus the 40 s the window has left.
    expect(p.etaSeconds).toBe(66);
  });

  it('names Strava for a session parked before sessions said what they wait for', () => {
    const p = computeProgress(
      { ...base, status: 'rate_limited', resume_at: new Date('2026-03-01T10:15:00Z') },
      at('2026-03-01T10:05:00Z'),
    );
    expect(p.waitingFor).toBe('strava');
  });

  it('caps fetching at its share when Strava lists more than its stats counted', () => {
    expect(
      computeProgress({ ...base, activities_stored: 900 }, at('2026-03-01T10:01:00Z')).percent,
    ).toBe(80);
  });

  it('has no ETA once the session has ended', () => {
    expect(
      computeProgress(
        { ...base, status: 'cancelled', activities_stored: 100 },
        at('2026-03-01T10:01:00Z'),
      ).etaSeconds,
    ).toBeNull();
  });
});
