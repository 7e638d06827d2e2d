/**
 * Strava's error bodies. The ones marked FIXTURE are byte-for-byte the bodies in
 * test/fixtures/api-samples (see SOURCES.md there); the rest follow the same
 * `{message, errors:[{resource, field, code}]}` shape with values seen in public reports or,
 * where noted, assumed.
 */
export interface StravaErrorBody {
  message: string;
  errors: { resource: string; field: string; code: string }[];
}

function body(message: string, resource: string, field: string, code: string): StravaErrorBody {
  return { message, errors: [{ resource, field, code }] };
}

export const stravaErrors = {
  /** FIXTURE strava_401_authorization_error.json: a token Strava never issued (or none). */
  unknownToken: () => body('Authorization Error', 'Application', '', 'invalid'),
  /** FIXTURE strava_401_invalid_access_token.json: an expired or revoked token. */
  invalidAccessToken: () => body('Authorization Error', 'Athlete', 'access_token', 'invalid'),
  /** FIXTURE strava_401_missing_scope.json: the token lacks activity:read. */
  missingActivityRead: () =>
    body('Authorization Error', 'AccessToken', 'activity:read_permission', 'missing'),
  /** FIXTURE strava_404_not_found.json. */
  activityNotFound: () => body('Resource Not Found', 'Activity', '', 'not found'),
  /** FIXTURE strava_429_rate_limit_exceeded.json. */
  rateLimitExceeded: () => body('Rate Limit Exceeded', 'Application', 'rate limit', 'exceeded'),
  /** FIXTURE strava_400_after_future.json: `after` later than now (e.g. milliseconds). */
  afterInFuture: () => body('Bad Request', 'Application', 'after', 'future'),
  /** FIXTURE strava_400_token_invalid_code.json: unknown, expired or reused code. */
  invalidCode: () => body('Bad Request', 'RequestToken', 'code', 'invalid'),
  /** As dblock/strava-ruby-client's token_invalid_client cassette (per SOURCES.md). */
  invalidClient: () => body('Bad Request', 'Application', 'client_id', 'invalid'),
  /** As reported by stravalib#730 and dreeve#2562 (2026) for an app whose access lapsed. */
  applicationInactive: () => body('Forbidden', 'Application', 'Status', 'Inactive'),
  /** As reported live (erik/hotpot#2): the subscription's callback GET did not answer 200. */
  callbackNot200: () =>
    body(
      'Bad Request',
      'PushSubscription',
      'callback url',
      'GET to callback URL does not return 200',
    ),
  /** Same shape; the code text is an assumption. */
  callbackChallengeMismatch: () =>
    body('Bad Request', 'PushSubscription', 'callback url', 'not verifiable'),
  /** Strava allows one subscription per application; the code text is as reported. */
  subscriptionExists: () => body('Bad Request', 'PushSubscription', '', 'already exists'),
  /** The shape of the Activity 404, for a subscription id. */
  subscriptionNotFound: () => body('Resource Not Found', 'PushSubscription', '', 'not found'),
  /** Assumed, in the shape of the others. */
  invalidRefreshToken: () => body('Bad Request', 'RefreshToken', 'refresh_token', 'invalid'),
  /** Assumed: a request missing or mangling a parameter. */
  invalidParameter: (field: string, resource = 'Application') =>
    body('Bad Request', resource, field, 'invalid'),
  /** Assumed: another athlete's stats. */
  forbiddenAthlete: () => body('Forbidden', 'Athlete', '', 'forbidden'),
  /** A path Strava does not serve, as developers have quoted it. */
  routeNotFound: () => body('Record Not Found', 'resource', 'path', 'invalid'),
} satisfies Record<string, (...args: never[]) => StravaErrorBody>;
