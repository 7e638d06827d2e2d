import { describe, expect, it } from 'vitest';
import {
  parseStravaUsageHeaders,
  stravaBudgetLines,
  windowAt,
} from '../../src/budget/rate-windows.ts';
import { readApiSampleText } from '../support/api-samples.ts';

describe('rate windows', () => {
  it.each([
    ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', '2026-03-01T10:15:00.000Z'],
    ['2026-03-01T10:14:59.999Z', '2026-03-01T10:00:00.000Z', '2026-03-01T10:15:00.000Z'],
    ['2026-03-01T10:15:00.000Z', '2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z'],
    ['2026-03-01T23:59:59.000Z', '2026-03-01T23:45:00.000Z', '2026-03-02T00:00:00.000Z'],
  ])('puts %s in the quarter hour %s – %s', (at, start, end) => {
    expect(windowAt('15min', Date.parse(at))).toEqual({
      start: new Date(start),
      end: new Date(end),
    });
  });

  it('resets the daily window at midnight UTC, whatever the local zone', () => {
    expect(windowAt('daily', Date.parse('2026-03-01T23:59:59Z'))).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-03-02T00:00:00Z'),
    });
  });

  it('charges GETs to the overall and read limits, other methods to overall only', () => {
    expect(stravaBudgetLines('GET').map((l) => `${l.bucket}=${l.limit}`)).toEqual([
      'overall:15min=200',
      'overall:daily=2000',
      'read:15min=100',
      'read:daily=1000',
    ]);
    expect(stravaBudgetLines('post').map((l) => l.bucket)).toEqual([
      'overall:15min',
      'overall:daily',
    ]);
  });
});

describe('Strava usage headers', () => {
  it('reads the real 2025 response headers', () => {
    const text = readApiSampleText('strava_response_headers_2025_real.txt');
    const headers = new Headers();
    for (const line of text.split('\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    expect(parseStravaUsageHeaders(headers)).toEqual([
      { bucket: 'overall:15min', window: '15min', limit: 200, used: 26 },
      { bucket: 'overall:daily', window: 'daily', limit: 2000, used: 362 },
      { bucket: 'read:15min', window: '15min', limit: 100, used: 26 },
      { bucket: 'read:daily', window: 'daily', limit: 1000, used: 362 },
    ]);
  });

  it('matches names case-insensitively and skips malformed pairs', () => {
    const headers = new Headers({
      'X-RATELIMIT-LIMIT': '600,6000',
      'x-ratelimit-usage': '5, 7',
      'X-ReadRateLimit-Limit': '300',
      'X-ReadRateLimit-Usage': '1,2',
    });
    expect(parseStravaUsageHeaders(headers)).toEqual([
      { bucket: 'overall:15min', window: '15min', limit: 600, used: 5 },
      { bucket: 'overall:daily', window: 'daily', limit: 6000, used: 7 },
    ]);
  });
});
