import { describe, expect, it } from 'vitest';
import { isIanaTimeZone, parseStravaTimezone } from '../../src/core/timezone.ts';

describe('parseStravaTimezone', () => {
  it.each([
    ['(GMT-05:00) America/New_York', 'America/New_York'],
    ['(GMT-08:00) America/Los_Angeles', 'America/Los_Angeles'],
    ['(GMT+05:30) Asia/Kolkata', 'Asia/Kolkata'],
    ['(GMT+00:00) Etc/UTC', 'Etc/UTC'],
    ['(GMT+01:00) Europe/Paris', 'Europe/Paris'],
    ['(GMT-03:00) America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['  (GMT-05:00)   America/New_York  ', 'America/New_York'],
    ['America/New_York', 'America/New_York'],
    ['UTC', 'UTC'],
  ])('%j → %s', (input, expected) => {
    expect(parseStravaTimezone(input)).toBe(expected);
  });

  it.each([
    null,
    undefined,
    '',
    '   ',
    '(GMT-05:00)',
    '(GMT-05:00) ',
    '(GMT-05:00) Mars/Olympus_Mons',
    '(GMT-05:00) America/New_York extra',
    'Not/AZone',
    '+05:00',
    'GMT-05:00',
    '../../etc/passwd',
    'America/New York',
    '🏃',
  ])('%j → null', (input) => {
    expect(parseStravaTimezone(input)).toBeNull();
  });
});

describe('isIanaTimeZone', () => {
  it('accepts real zones and rejects offsets and garbage', () => {
    expect(isIanaTimeZone('Europe/Berlin')).toBe(true);
    expect(isIanaTimeZone('-04:00')).toBe(false);
    expect(isIanaTimeZone('Europe/Atlantis')).toBe(false);
  });
});
