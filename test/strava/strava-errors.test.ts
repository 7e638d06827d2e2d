import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  RateLimitedError,
  SystemError,
  TransientError,
} from '../../src/core/errors.ts';
import { classifyStravaFailure, stravaFailureError } from '../../src/strava/strava-errors.ts';
import { readApiSample } from '../support/api-samples.ts';

describe('Strava failure classification against the real error bodies', () => {
  it.each([
    [401, 'strava_401_missing_scope.json', 'grant_scope', 'config'],
    [401, 'strava_401_invalid_access_token.json', 'refresh_and_retry', 'config'],
    [401, 'strava_401_authorization_error.json', 'refresh_and_retry', 'config'],
    [404, 'strava_404_not_found.json', 'skip_record', 'transient'],
    [429, 'strava_429_rate_limit_exceeded.json', 'rate_limited', 'transient'],
    [400, 'strava_400_after_future.json', 'fail', 'system'],
    [400, 'strava_400_token_invalid_code.json', 'fail', 'system'],
  ] as const)('%i %s → %s (%s)', (status, sample, action, failureType) => {
    expect(classifyStravaFailure(status, readApiSample(sample))).toMatchObject({
      action,
      failureType,
      status,
    });
  });

  it.each([
    [403, 'operator', 'config'],
    [500, 'retry', 'transient'],
    [502, 'retry', 'transient'],
    [503, 'retry', 'transient'],
    [504, 'retry', 'transient'],
    [404, 'skip_record', 'transient'],
    [418, 'fail', 'system'],
  ] as const)('%i with an empty or HTML body → %s', (status, action, failureType) => {
    expect(classifyStravaFailure(status, '')).toMatchObject({ action, failureType });
    expect(classifyStravaFailure(status, '<html>oops</html>')).toMatchObject({
      action,
      failureType,
    });
  });

  it('tells the user what to do in plain words', () => {
    const scope = classifyStravaFailure(401, readApiSample('strava_401_missing_scope.json'));
    expect(scope.hint).toContain('Reconnect Strava');
    const inactive = classifyStravaFailure(403, {});
    expect(inactive.hint).toContain('operator');
  });

  it('builds the error class the failure type calls for', () => {
    const detail = 'GET /athlete/activities → 4xx';
    expect(stravaFailureError(classifyStravaFailure(401, {}), detail)).toBeInstanceOf(ConfigError);
    expect(stravaFailureError(classifyStravaFailure(503, {}), detail)).toBeInstanceOf(
      TransientError,
    );
    expect(stravaFailureError(classifyStravaFailure(400, {}), detail)).toBeInstanceOf(SystemError);
    const resumeAt = new Date('2026-03-01T10:15:00Z');
    const limited = stravaFailureError(classifyStravaFailure(429, {}), detail, resumeAt);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).resumeAt).toEqual(resumeAt);
  });
});
