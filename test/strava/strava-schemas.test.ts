import { describe, expect, it } from 'vitest';
import { stravaTokenResponseSchema } from '../../src/strava/strava-schemas.ts';
import { readApiSample } from '../support/api-samples.ts';

describe('Strava token responses', () => {
  it('reads the authorization-code exchange with its athlete', () => {
    const token = stravaTokenResponseSchema.parse(
      readApiSample('strava_token_authorization_code_response.json'),
    );
    expect(token).toMatchObject({
      access_token: 'deadbeefd7ab44704fb2a146bd98c7a349a2b43d',
      refresh_token: 'deadbeef9d64b225d0c50db4854a8d6c8757702d',
      expires_at: 1542940199,
      athlete: { id: '12342176', firstname: 'Daniel', city: 'New York' },
    });
  });

  it('reads a refresh, which has no athlete', () => {
    const token = stravaTokenResponseSchema.parse(
      readApiSample('strava_token_refresh_response.json'),
    );
    expect(token).toMatchObject({
      access_token: 'new-access-token',
      refresh_token: 'new-refresh-token',
      expires_in: 14282,
    });
    expect(token.athlete).toBeUndefined();
  });

  it('refuses a response without tokens', () => {
    expect(
      stravaTokenResponseSchema.safeParse(readApiSample('strava_deauthorize_response.json'))
        .success,
    ).toBe(false);
  });
});
