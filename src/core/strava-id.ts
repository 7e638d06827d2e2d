import { z } from 'zod';

const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * A Strava object id (activity, athlete, webhook subscription) as a decimal string, the only
 * form ids take in our TypeScript: activity ids already pass 2^53 in other fields, and a JSON
 * number beyond `Number.MAX_SAFE_INTEGER` has lost its last digits before we ever see it, so
 * such a number is rejected rather than stored as the wrong id. Strings must fit Postgres
 * `bigint`, the column type every id lands in.
 */
export const stravaIdSchema = z
  .union([z.number(), z.string()], { error: 'must be a positive integer id' })
  .transform((value, ctx): string => {
    if (typeof value === 'number') {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        ctx.addIssue({
          code: 'custom',
          message:
            `must be a safe integer or a decimal string; got ${value}, beyond 2^53, ` +
            'where JSON numbers lose digits, so the real id is unknown',
        });
        return z.NEVER;
      }
      if (!Number.isInteger(value) || value <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive integer; got ${value}` });
        return z.NEVER;
      }
      return String(value);
    }
    if (!/^[1-9]\d*$/.test(value) || BigInt(value) > MAX_BIGINT) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a positive decimal integer that fits a bigint; got '${value}'`,
      });
      return z.NEVER;
    }
    return value;
  });
