import type { z } from 'zod';
import type { FieldIssue } from '../core/errors.ts';
import { ApiError } from './api-error.ts';

/** How many field problems the message spells out, as the server's does; `fields` has them all. */
const ISSUES_IN_MESSAGE = 3;

/**
 * Checks a request's input with the schema the server validates it with, so what the server would
 * refuse is refused here, before a round trip, with the 400 answer the server would have given
 * (no correlation id: nothing was sent).
 */
export function checkInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where: 'body' | 'query',
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map(
    (issue): FieldIssue => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }),
  );
  const listed = fields.slice(0, ISSUES_IN_MESSAGE).map((f) => `${f.path}: ${f.message}`);
  const more = fields.length - listed.length;
  throw new ApiError({
    status: 400,
    code: `invalid_${where}`,
    message: `The request ${where === 'body' ? 'body' : 'query string'} is not valid: ${listed.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}.`,
    hint: 'Fix the request and send it again.',
    fields,
  });
}
