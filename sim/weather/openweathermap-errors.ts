/**
 * OpenWeatherMap's error bodies. The first three are byte-for-byte the recorded bodies in
 * test/fixtures/api-samples (owm_401_invalid_api_key.json, owm_401_onecall3_no_subscription.json,
 * owm_429_blocked.json); a test holds them equal. OWM sends `cod` as a number on some errors and
 * as a string on others, and so do we: clients must accept both.
 */
export const OWM_INVALID_KEY_BODY =
  '{"cod":401,"message":"Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}';

export const OWM_NO_ONE_CALL_SUBSCRIPTION_BODY =
  '{"cod":401,"message":"Please note that using One Call 3.0 requires a separate subscription to the One Call by Call plan. Learn more here https://openweathermap.org/price. If you have a valid subscription to the One Call by Call plan, but still receive this error, then please see https://openweathermap.org/faq#error401 for more info."}';

export const OWM_BLOCKED_BODY =
  '{"cod":429,"message":"Your account is temporary blocked due to exceeding of requests limitation of your subscription type. Please choose the proper subscription https://openweathermap.org/price"}';

export function owmJson(status: number, body: string | object): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

/**
 * Parameter errors as One Call 3.0 documents them (`{"cod":400,"message":…,"parameters":[…]}`,
 * numeric cod) for the time, and as OWM answers malformed coordinates (string cod, no list).
 */
export const owmBadRequest = {
  nothingToGeocode: () => owmJson(400, { cod: '400', message: 'Nothing to geocode' }),
  wrongLatitude: () => owmJson(400, { cod: '400', message: 'wrong latitude' }),
  wrongLongitude: () => owmJson(400, { cod: '400', message: 'wrong longitude' }),
  invalidDate: () => owmJson(400, { cod: 400, message: 'Invalid date format', parameters: ['dt'] }),
  timeOutOfRange: () =>
    owmJson(400, {
      cod: 400,
      message: 'requested time is out of allowed range',
      parameters: ['dt'],
    }),
};

/** What the fault injector and unknown paths answer with. */
export function owmErrorResponse(status: number): Response {
  if (status === 401) return owmJson(401, OWM_INVALID_KEY_BODY);
  if (status === 429) return owmJson(429, OWM_BLOCKED_BODY);
  if (status === 404) return owmJson(404, { cod: '404', message: 'Internal error' });
  return owmJson(status, { cod: status, message: 'Internal error' });
}
