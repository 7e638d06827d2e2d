import { describe, expect, it } from 'vitest';
import { createStravaSimulator } from '../../sim/strava/index.ts';
import { readApiSample, readApiSampleText } from '../support/api-samples.ts';
import { bearer, serveStravaSim } from './strava-helpers.ts';

/** OAuth over real HTTP, on a manual clock so token lifetimes can be walked through. */
const env = serveStravaSim({ athletes: [{ seed: 'oauth-test', activityCount: 30 }] });
const { sim, clock, athleteId } = env;
/** stridesync's redirect_uri: its dashboard, at the root. */
const REDIRECT = 'http://localhost:8788/';

function authorizeUrl(params: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: '12345',
    redirect_uri: REDIRECT,
    response_type: 'code',
    approval_prompt: 'auto',
    scope: 'read,activity:read_all',
    state: 'signed-state',
    ...params,
  });
  return `${env.url}/oauth/authorize?${query}`;
}

async function authorize(params: Record<string, string> = {}) {
  const response = await fetch(authorizeUrl(params), { redirect: 'manual' });
  return { response, location: response.headers.get('location') };
}

function postToken(form: Record<string, string>) {
  return fetch(`${env.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: '12345', client_secret: 'sim-secret', ...form }),
  });
}

async function codeFor(scope = 'read,activity:read_all') {
  const { location } = await authorize({ scope });
  return new URL(location!).searchParams.get('code')!;
}

async function exchange(code: string) {
  return postToken({ grant_type: 'authorization_code', code });
}

const nowS = () => Math.floor(clock.now() / 1000);

describe('GET /oauth/authorize', () => {
  it('redirects back with state, a code and the granted scopes (read always among them)', async () => {
    const { response, location } = await authorize({ scope: 'activity:read_all' });
    expect(response.status).toBe(302);
    expect(location).toMatch(
      /^http:\/\/localhost:8788\/\?state=signed-state&code=[0-9a-f]{40}&scope=read,activity:read_all$/,
    );
  });

  it('adds its parameters after a query of the redirect URI’s own, without its fragment', async () => {
    const { location } = await authorize({ redirect_uri: `${REDIRECT}?tab=runs#top` });
    expect(location).toMatch(
      /^http:\/\/localhost:8788\/\?tab=runs&state=signed-state&code=[0-9a-f]{40}&scope=read,activity:read_all$/,
    );
  });

  it('grants fewer scopes when the athlete unticks some', async () => {
    sim.knobs.authorizeDecision = { grant: ['activity:read'] };
    const { location } = await authorize({ scope: 'read,activity:read_all,profile:read_all' });
    expect(new URL(location!).searchParams.get('scope')).toBe('read');
    sim.knobs.authorizeDecision = { grant: ['profile:read_all'] };
    const second = await authorize({ scope: 'read,activity:read_all,profile:read_all' });
    expect(new URL(second.location!).searchParams.get('scope')).toBe('read,profile:read_all');
  });

  it('redirects with error=access_denied when the athlete declines', async () => {
    sim.knobs.authorizeDecision = 'deny';
    const { location } = await authorize();
    expect(location).toBe(`${REDIRECT}?state=signed-state&error=access_denied`);
  });

  it('answers Strava’s 403 page, sending nobody back, once the app’s athlete limit is reached', async () => {
    const knobs = await fetch(`${env.url}/_sim/knobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ athleteLimit: 0 }),
    });
    expect(knobs.status).toBe(200);
    const { response, location } = await authorize();
    expect(response.status).toBe(403);
    expect(location).toBeNull();
    expect(await response.text()).toContain('Limit of connected athletes exceeded');
    // An athlete already connected is not counted against the limit when connecting again.
    sim.knobs.athleteLimit = null;
    expect((await exchange(await codeFor())).status).toBe(200);
    sim.knobs.athleteLimit = 1;
    expect((await authorize()).response.status).toBe(302);
  });

  it('checks the client id, the redirect URI, the response type and the scopes', async () => {
    const badClient = await authorize({ client_id: '99999' });
    expect(badClient.response.status).toBe(400);
    expect(await badClient.response.json()).toEqual({
      message: 'Bad Request',
      errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }],
    });
    const badRedirect = await authorize({ redirect_uri: 'https://evil.example.com/cb' });
    expect(badRedirect.response.status).toBe(400);
    expect(JSON.stringify(await badRedirect.response.json())).toContain('"field":"redirect_uri"');
    expect((await authorize({ response_type: 'token' })).response.status).toBe(400);
    expect((await authorize({ scope: 'activity:read,everything' })).response.status).toBe(400);

    sim.registerApp({ clientId: '777', clientSecret: 's', callbackDomain: 'stridesync.example' });
    const subdomain = await authorize({
      client_id: '777',
      redirect_uri: 'https://app.stridesync.example/cb',
    });
    expect(subdomain.response.status).toBe(302);
  });
});

describe('POST /oauth/token (authorization_code)', () => {
  it('answers the real response shape, with the athlete, and a 6 hour token', async () => {
    const fixture = readApiSample<Record<string, unknown>>(
      'strava_token_authorization_code_response.json',
    );
    const response = await exchange(await codeFor());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(Object.keys(fixture));
    expect(Object.keys(body.athlete as object)).toEqual(Object.keys(fixture.athlete as object));
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 21_600,
      expires_at: nowS() + 21_600,
    });
    expect(body.access_token).toMatch(/^[0-9a-f]{40}$/);
    expect(body.refresh_token).toMatch(/^[0-9a-f]{40}$/);
    expect((body.athlete as { id: number }).id).toBe(athleteId);
    const api = await fetch(`${env.url}/api/v3/athlete/activities?per_page=1`, {
      headers: bearer(body.access_token as string),
    });
    expect(api.status).toBe(200);
  });

  it('refuses a code used twice, with the real body', async () => {
    const code = await codeFor();
    expect((await exchange(code)).status).toBe(200);
    const again = await exchange(code);
    expect(again.status).toBe(400);
    expect(await again.text()).toBe(readApiSampleText('strava_400_token_invalid_code.json'));
  });

  it('refuses an expired code and a wrong client secret', async () => {
    const code = await codeFor();
    clock.advance(11 * 60_000);
    expect((await exchange(code)).status).toBe(400);
    const wrongSecret = await postToken({
      grant_type: 'authorization_code',
      code: await codeFor(),
      client_secret: 'nope',
    });
    expect(wrongSecret.status).toBe(400);
  });

  it('gives a token with only the granted scopes', async () => {
    sim.knobs.authorizeDecision = { grant: [] };
    const body = (await (await exchange(await codeFor())).json()) as { access_token: string };
    const response = await fetch(`${env.url}/api/v3/athlete/activities`, {
      headers: bearer(body.access_token),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe(readApiSampleText('strava_401_missing_scope.json'));
  });
});

describe('POST /oauth/token (refresh_token)', () => {
  it('returns the same access token while it has more than an hour left', async () => {
    const first = sim.issueTokens(athleteId);
    clock.advance(2 * 3600_000);
    const response = await postToken({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(
      Object.keys(readApiSample('strava_token_refresh_response.json') as object),
    );
    expect(body).toEqual({
      token_type: 'Bearer',
      access_token: first.access_token,
      expires_at: first.expires_at,
      expires_in: 4 * 3600,
      refresh_token: first.refresh_token,
    });
  });

  it('returns a new access token and a new refresh token within the last hour; the old refresh token dies at once', async () => {
    const first = sim.issueTokens(athleteId);
    clock.advance(5 * 3600_000 + 60_000);
    const body = (await (
      await postToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
    ).json()) as Record<string, string | number>;
    expect(body.access_token).not.toBe(first.access_token);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body.expires_in).toBe(21_600);

    const reused = await postToken({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({
      message: 'Bad Request',
      errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }],
    });
    // The superseded access token still works until it expires (assumed), then answers 401.
    const old = () => fetch(`${env.url}/api/v3/athlete`, { headers: bearer(first.access_token) });
    expect((await old()).status).toBe(200);
    clock.advance(3600_000);
    expect((await old()).status).toBe(401);
    const fresh = await fetch(`${env.url}/api/v3/athlete`, {
      headers: bearer(body.access_token as string),
    });
    expect(fresh.status).toBe(200);
  });

  it('keeps the refresh token when rotation is off', async () => {
    const rotationFree = createStravaSimulator({
      clock,
      refreshTokenRotation: 'never',
      athletes: [{ seed: 'rot', activityCount: 1 }],
    });
    const id = [...rotationFree.athletes.keys()][0]!;
    const first = rotationFree.issueTokens(id);
    clock.advance(6 * 3600_000);
    const response = await rotationFree.app.request('/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({
        client_id: '12345',
        client_secret: 'sim-secret',
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      }),
    });
    const body = (await response.json()) as Record<string, string>;
    expect(body.refresh_token).toBe(first.refresh_token);
    expect(body.access_token).not.toBe(first.access_token);
  });

  it('still refreshes for an inactive application (its API calls get 403)', async () => {
    const first = sim.issueTokens(athleteId);
    sim.defaultApp.active = false;
    clock.advance(5.5 * 3600_000);
    const response = await postToken({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect(
      (await fetch(`${env.url}/api/v3/athlete`, { headers: bearer(access_token) })).status,
    ).toBe(403);
  });

  it('rejects an unknown grant type', async () => {
    expect((await postToken({ grant_type: 'password' })).status).toBe(400);
  });
});

describe('POST /oauth/deauthorize', () => {
  it('answers the real shape and kills every token of the athlete for the app', async () => {
    const tokens = sim.issueTokens(athleteId);
    const response = await fetch(`${env.url}/oauth/deauthorize`, {
      method: 'POST',
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body as object)).toEqual(
      Object.keys(readApiSample('strava_deauthorize_response.json') as object),
    );
    expect(body).toEqual({ access_token: tokens.access_token });

    const api = await fetch(`${env.url}/api/v3/athlete`, {
      headers: bearer(tokens.access_token),
    });
    expect(api.status).toBe(401);
    expect(await api.text()).toBe(readApiSampleText('strava_401_invalid_access_token.json'));
    expect(
      (await postToken({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))
        .status,
    ).toBe(400);
    const twice = await fetch(`${env.url}/oauth/deauthorize`, {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(twice.status).toBe(401);
  });
});
