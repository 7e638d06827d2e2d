import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Continent, nearestPlace, PLACES } from '../../sim/places.ts';
import { createStravaSimulator, type SimActivity } from '../../sim/strava/index.ts';
import { createOpenMeteoSimulator } from '../../sim/weather/open-meteo.ts';
import { observe } from '../../sim/weather/weather-model.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { DEMO_ATHLETE } from '../../src/wiring/node/demo-user.ts';
import { epoch, type ServedApp, serveApp } from './weather-support.ts';

const NOW = '2026-03-10T12:00:00Z';
const DAY_MS = 86_400_000;
const place = (name: string) => PLACES.find((p) => p.name === name)!;

/** The demo athlete's whole history, as `stridesync start` serves it. */
function demoHistory(): SimActivity[] {
  const sim = createStravaSimulator({ clock: createManualClock(NOW) });
  const athlete = sim.addAthlete(DEMO_ATHLETE);
  return sim.activitiesOf(athlete.id);
}

const km = (a: SimActivity) => a.distanceM / 1000;
const hasFix = (a: SimActivity) =>
  Array.isArray(a.startLatLng) && a.startLatLng.length === 2 && a.startLatLng[0] !== 0;

/** A name and what it promises about the run: each rule is checked on every run it names. */
const NAME_RULES: { name: RegExp; holds(a: SimActivity): boolean; says: string }[] = [
  { name: /parkrun/i, holds: (a) => km(a) >= 4.9 && km(a) <= 5.2, says: 'is 5 km' },
  { name: /^Long run/, holds: (a) => km(a) >= 16, says: 'is at least 16 km' },
  { name: / 5K$/, holds: (a) => km(a) >= 5 && km(a) <= 5.1, says: 'is a 5K' },
  { name: / 10K$/, holds: (a) => km(a) >= 10 && km(a) <= 10.2, says: 'is a 10K' },
  {
    name: / Half Marathon$/,
    holds: (a) => km(a) >= 21.09 && km(a) <= 21.5,
    says: 'is a half marathon',
  },
  {
    name: /(?<!Half) Marathon$/,
    holds: (a) => km(a) >= 42.19 && km(a) <= 42.9,
    says: 'is a marathon',
  },
  { name: /(5K|10K|Marathon)$/, holds: (a) => a.workoutType === 1, says: 'is marked a race' },
  { name: /^Recovery/, holds: (a) => km(a) <= 7, says: 'is short' },
  {
    name: /Treadmill/,
    holds: (a) => a.trainer && !hasFix(a) && !a.polyline,
    says: 'is indoors without GPS',
  },
  {
    name: /^(Bieg poranny|Course à pied matinale|朝ラン|Carrera de la mañana|Morning )/,
    holds: (a) => localHour(a) >= 4 && localHour(a) < 11,
    says: 'starts in the morning',
  },
  { name: /^Tempo Tuesday$/, holds: (a) => localWeekday(a) === 2, says: 'is on a Tuesday' },
];

function localParts(a: SimActivity) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: a.timeZone,
    hour: 'numeric',
    hourCycle: 'h23',
    weekday: 'short',
  }).formatToParts(a.startMs);
  return {
    hour: Number(parts.find((p) => p.type === 'hour')?.value),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(
      parts.find((p) => p.type === 'weekday')?.value ?? '',
    ),
  };
}
const localHour = (a: SimActivity) => localParts(a).hour;
const localWeekday = (a: SimActivity) => localParts(a).weekday;

const CONTINENT_OF_ZONE = new Map(PLACES.map((p) => [p.timezone, p.continent]));

describe('the demo history reads true', () => {
  const history = demoHistory();

  it('keeps its size and its runs', () => {
    expect(history).toHaveLength(DEMO_ATHLETE.activityCount);
    const runs = history.filter((a) => ['Run', 'TrailRun', 'VirtualRun'].includes(a.sportType));
    expect(runs.length / history.length).toBeGreaterThan(0.55);
  });

  it('names every run after its distance and kind', () => {
    let checked = 0;
    for (const rule of NAME_RULES) {
      const named = history.filter((a) => rule.name.test(a.name));
      for (const a of named) {
        expect(rule.holds(a), `${a.id} '${a.name}' (${km(a).toFixed(2)} km) ${rule.says}`).toBe(
          true,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    for (const kind of [/parkrun/i, /^Long run/, /Treadmill/, / 10K$/, /^Recovery/]) {
      expect(history.filter((a) => kind.test(a.name)).length, String(kind)).toBeGreaterThan(0);
    }
  });

  it("gives a sport's own name only to that sport", () => {
    const plain = /^(Morning|Lunch|Afternoon|Evening|Night) (.+)$/;
    const nouns: Record<string, string> = {
      Run: 'Run',
      TrailRun: 'Trail Run',
      VirtualRun: 'Virtual Run',
      Ride: 'Ride',
      VirtualRide: 'Virtual Ride',
      Swim: 'Swim',
      Walk: 'Walk',
      Hike: 'Hike',
      WeightTraining: 'Weight Training',
      Yoga: 'Yoga',
    };
    for (const a of history) {
      const noun = plain.exec(a.name)?.[2];
      if (noun) expect(noun, `${a.id} '${a.name}'`).toBe(nouns[a.sportType]);
      // Everything else is a runner's own name, given only to runs.
      else expect(a.sportType, `${a.id} '${a.name}'`).toBe('Run');
    }
  });

  it('never starts on two continents within a day: a trip is a stay with journeys around it', () => {
    const located = history
      .filter((a) => !a.sportType.startsWith('Virtual') && CONTINENT_OF_ZONE.has(a.timeZone))
      .sort((a, b) => a.startMs - b.startMs);
    const continents = new Set<Continent>();
    for (let i = 1; i < located.length; i++) {
      const before = located[i - 1]!;
      const after = located[i]!;
      const from = CONTINENT_OF_ZONE.get(before.timeZone)!;
      const to = CONTINENT_OF_ZONE.get(after.timeZone)!;
      continents.add(to);
      if (from !== to) {
        expect(
          after.startMs - before.startMs,
          `${before.id} in ${from}, then ${after.id} in ${to}`,
        ).toBeGreaterThan(DAY_MS);
      }
    }
    // It does travel: more than one continent over four years.
    expect(continents.size).toBeGreaterThan(1);
    // And a GPS start is where its time zone says it is.
    for (const a of located.filter(hasFix)) {
      const [lat, lng] = a.startLatLng as [number, number];
      expect(nearestPlace({ lat, lng }, 6_000)?.timezone, String(a.id)).toBe(a.timeZone);
    }
  });
});

describe("the simulated weather follows its place's climate", () => {
  const clock = createManualClock(NOW);
  const openMeteo = createOpenMeteoSimulator({ clock });
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveApp(openMeteo.app);
  });
  afterAll(async () => {
    openMeteo.control.close();
    await served.close();
  });

  /** Daily mean temperatures of a month, from the Open-Meteo simulator over HTTP. */
  async function dailyMeans(name: string, from: string, to: string): Promise<number[]> {
    const { lat, lng } = place(name);
    const query = new URLSearchParams({
      latitude: String(lat),
      longitude: String(lng),
      start_date: from,
      end_date: to,
      hourly: 'temperature_2m',
    });
    const response = await fetch(`${served.url}/v1/archive?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { hourly: { temperature_2m: number[] } };
    const hours = body.hourly.temperature_2m;
    const days: number[] = [];
    for (let d = 0; d < hours.length / 24; d++) {
      const day = hours.slice(d * 24, d * 24 + 24);
      days.push(day.reduce((sum, t) => sum + t, 0) / day.length);
    }
    return days;
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

  it('keeps Chicago below freezing on most January days', async () => {
    for (const year of [2023, 2024, 2025]) {
      const days = await dailyMeans('Chicago', `${year}-01-01`, `${year}-01-31`);
      expect(days).toHaveLength(31);
      expect(mean(days), `January ${year}`).toBeLessThan(0);
      expect(days.filter((t) => t < 0).length, `January ${year}`).toBeGreaterThan(31 / 2);
    }
    const july = await dailyMeans('Chicago', '2025-07-01', '2025-07-31');
    expect(mean(july)).toBeGreaterThan(18);
  });

  it('reverses the seasons in the south: Sydney and Buenos Aires are warm in January', async () => {
    for (const name of ['Sydney', 'Buenos Aires']) {
      const january = mean(await dailyMeans(name, '2025-01-01', '2025-01-31'));
      const july = mean(await dailyMeans(name, '2025-07-01', '2025-07-31'));
      expect(january, name).toBeGreaterThan(july + 8);
      expect(july, name).toBeGreaterThan(5);
    }
  });

  it('lands near each place’s January and July normals, and blends away from them', () => {
    const monthMean = (lat: number, lng: number, fromIso: string) => {
      let sum = 0;
      for (let h = 0; h < 31 * 24; h++)
        sum += observe(lat, lng, epoch(fromIso) + h * 3600).temperatureC;
      return sum / (31 * 24);
    };
    for (const [name, january, july] of [
      ['Anchorage', -8, 15],
      ['Singapore', 27, 28],
      ['Punta Arenas', 11, 2],
    ] as const) {
      const { lat, lng } = place(name);
      // Weather systems move a month's mean by a few degrees around the normal.
      expect(Math.abs(monthMean(lat, lng, '2025-01-01T00:00:00Z') - january), name).toBeLessThan(4);
      expect(Math.abs(monthMean(lat, lng, '2025-07-01T00:00:00Z') - july), name).toBeLessThan(4);
    }
  });
});
