import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import type { Queryable } from '../store/database.ts';

/**
 * The OAuth `state` of a Strava connect attempt: `<payload>.<signature>`, where the payload
 * names the user, a random nonce and the expiry, and the signature is an HMAC under a key
 * derived from the server's secret. The signed-in dashboard sends it back with Strava's code, and
 * it is honoured only for the user it was issued to: a forged or altered state fails the
 * signature, an old one the expiry, one issued to another account the owner check (someone who
 * sends their connect link to a victim gets nothing: the victim's dashboard is refused), and a
 * replayed one finds its nonce already consumed in `oauth_states`.
 */
export const STATE_TTL_MS = 10 * 60 * 1000;

export interface OAuthStates {
  issue(db: Queryable, userId: string): Promise<string>;
  /**
   * Spends the state for `userId`, the signed-in user completing the connection; throws a
   * ValidationError (400) for any bad state, and for a state issued to anyone else. That one is
   * spent all the same, so the code Strava gave the victim cannot be completed by the account
   * that started it either.
   */
  consume(db: Queryable, state: string, userId: string): Promise<void>;
}

export function createOAuthStates(serverSecret: string, clock: Clock): OAuthStates {
  const key = createHmac('sha256', serverSecret).update('stridesync:strava-oauth-state').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

  return {
    async issue(db, userId) {
      const nonce = randomBytes(18).toString('base64url');
      const expiresAt = clock.now() + STATE_TTL_MS;
      await db.query('delete from oauth_states where expires_at < $1', [
        new Date(clock.now()).toISOString(),
      ]);
      await db.query('insert into oauth_states (nonce, user_id, expires_at) values ($1, $2, $3)', [
        nonce,
        userId,
        new Date(expiresAt).toISOString(),
      ]);
      const payload = Buffer.from(JSON.stringify({ u: userId, n: nonce, e: expiresAt })).toString(
        'base64url',
      );
      return `${payload}.${sign(payload)}`;
    },

    async consume(db, state, userId) {
      const [payload, signature] = state.split('.');
      if (!payload || !signature || !safeEqual(signature, sign(payload)))
        throw badState('state_invalid');
      const claims = parseClaims(payload);
      if (!claims) throw badState('state_invalid');
      if (claims.e < clock.now()) throw badState('state_expired');
      const consumed = await db.query(
        'delete from oauth_states where nonce = $1 and user_id = $2 returning nonce',
        [claims.n, claims.u],
      );
      if (claims.u !== userId) throw notYours(claims.u, userId);
      if (consumed.rowCount === 0) throw badState('state_used');
    },
  };
}

function parseClaims(payload: string): { u: string; n: string; e: number } | undefined {
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const ok =
      typeof value?.u === 'string' && typeof value?.n === 'string' && typeof value?.e === 'number';
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const STATE_MESSAGES = {
  state_invalid: 'This Strava connection link is not valid.',
  state_expired: 'This Strava connection link has expired (links last 10 minutes).',
  state_used: 'This Strava connection link was already used.',
} as const;

function badState(code: keyof typeof STATE_MESSAGES): ValidationError {
  return new ValidationError({
    code,
    userMessage: STATE_MESSAGES[code],
    hint: 'Start again from the dashboard with "Connect Strava".',
    issues: [{ path: 'body.state', message: STATE_MESSAGES[code] }],
  });
}

/** The detail, logged with the refusal, names both accounts; the answer names neither. */
function notYours(issuedTo: string, presentedBy: string): ValidationError {
  const userMessage =
    'This Strava authorization was started from another stridesync account, so nothing was connected.';
  return new ValidationError({
    code: 'strava_state_not_yours',
    userMessage,
    hint: 'Start connecting Strava from your own dashboard.',
    detail: `Strava OAuth state issued to user ${issuedTo} was presented by user ${presentedBy}.`,
    issues: [{ path: 'body.state', message: userMessage }],
  });
}
