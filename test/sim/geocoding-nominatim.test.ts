import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNominatimSimulator, NOMINATIM_LICENCE } from '../../sim/geocoding/nominatim.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { get, type ServedApp, serveApp } from './weather-support.ts';

const APP = { 'user-agent': 'stridesync-tests/1.0 (dev@example.test)' };
const LONDON = '/reverse?lat=51.5074&lon=-0.1278&format=jsonv2';

describe('Nominatim simulator over HTTP', () => {
  const { app, control } = createNominatimSimulator();
  let server: ServedApp;
  beforeAll(async () => {
    server = await serveApp(app);
  });
  afterAll(async () => {
    control.close();
    await server.close();
  });

  it("refuses Node's stock User-Agent with 403, as the usage policy does", async () => {
    const response = await fetch(`${server.url}${LONDON}`); // undici sends `User-Agent: node`
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(
      /^Access denied\. See https:\/\/operations\.osmfoundation/,
    );
    const python = await fetch(`${server.url}${LONDON}`, {
      headers: { 'user-agent': 'python-requests/2.32.3' },
    });
    expect(python.status).toBe(403);
  });

  it('answers jsonv2 in Nominatim shape, and 429s the second request within a second', async () => {
    const first = await fetch(`${server.url}${LONDON}`, { headers: APP });
    const second = await fetch(`${server.url}${LONDON}`, { headers: APP });
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    const body = await first.json();
    expect(Object.keys(body)).toEqual([
      'place_id',
      'licence',
      'osm_type',
      'osm_id',
      'lat',
      'lon',
      'category',
      'type',
      'place_rank',
      'importance',
      'addresstype',
      'name',
      'display_name',
      'address',
      'boundingbox',
    ]);
    expect(body).toMatchObject({
      licence: NOMINATIM_LICENCE,
      lat: '51.5074000',
      lon: '-0.1278000',
      category: 'boundary',
      type: 'administrative',
      addresstype: 'city',
      name: 'London',
      display_name: 'London, England, United Kingdom',
      address: { city: 'London', state: 'England', country: 'United Kingdom', country_code: 'gb' },
    });
    expect(typeof body.place_id).toBe('number');
    expect(body.boundingbox).toHaveLength(4);
    expect(body.boundingbox.every((v: unknown) => typeof v === 'string')).toBe(true);
  });
});

describe('Nominatim simulator in process', () => {
  it('lets one request per second through per client, on the clock', async () => {
    const clock = createManualClock('2026-03-10T12:00:00Z');
    const { app, control } = createNominatimSimulator({ clock });
    expect((await get(app, LONDON, APP)).status).toBe(200);
    clock.advance(500);
    const refused = await get(app, LONDON, APP);
    expect(refused.status).toBe(429);
    expect((await get(app, LONDON, { 'user-agent': 'another-app/2.0' })).status).toBe(200);
    clock.advance(500); // one second after the last accepted request
    expect((await get(app, LONDON, APP)).status).toBe(200);
    control.setMinIntervalMs(0);
    expect((await get(app, LONDON, APP)).status).toBe(200);
    expect(control.inspect().requests).toEqual({
      total: 5,
      byEndpoint: { reverse: { '200': 4, '429': 1 } },
      byKey: { [APP['user-agent']]: 4, 'another-app/2.0': 1 },
    });
    control.reset();
    expect(control.inspect().requests.total).toBe(0);
  });

  it('accepts a Referer in place of a User-Agent', async () => {
    const { app } = createNominatimSimulator({ clock: createManualClock() });
    expect((await get(app, LONDON)).status).toBe(403);
    expect((await get(app, LONDON, { referer: 'https://stridesync.example/' })).status).toBe(200);
  });

  it('says "Unable to geocode" with a 200 at sea, and speaks format=json too', async () => {
    const clock = createManualClock();
    const { app } = createNominatimSimulator({ clock, minIntervalMs: 0 });
    const sea = await get(app, '/reverse?lat=30&lon=-40&format=jsonv2', APP);
    expect(sea.status).toBe(200);
    expect(await sea.json()).toEqual({ error: 'Unable to geocode' });
    const json = await (await get(app, '/reverse?lat=1.35&lon=103.82&format=json', APP)).json();
    expect(json).toMatchObject({ class: 'boundary', display_name: 'Singapore' });
    expect(json).not.toHaveProperty('category');
    expect(json.address).toEqual({ city: 'Singapore', country: 'Singapore', country_code: 'sg' });
    const bare = await (
      await get(app, '/reverse?lat=1.35&lon=103.82&format=jsonv2&addressdetails=0', APP)
    ).json();
    expect(bare).not.toHaveProperty('address');
    const again = await (await get(app, '/reverse?lat=1.35&lon=103.82&format=json', APP)).json();
    expect(again).toEqual(json); // deterministic ids and importance
  });

  it('refuses bad input with a JSON error', async () => {
    const { app } = createNominatimSimulator({ clock: createManualClock(), minIntervalMs: 0 });
    const missing = await get(app, '/reverse?format=jsonv2', APP);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: { code: 400, message: 'Need coordinates or OSM object to lookup.' },
    });
    expect((await get(app, '/reverse?lat=99&lon=0&format=jsonv2', APP)).status).toBe(400);
  });

  it('mounts under a prefix', async () => {
    const { app } = createNominatimSimulator({ clock: createManualClock() });
    const root = new Hono();
    root.route('/nominatim', app);
    expect((await root.request(`/nominatim${LONDON}`, { headers: APP })).status).toBe(200);
  });
});
