import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { type FieldIssue, ValidationError } from '../core/errors.ts';
import type { AppEnv } from './app-env.ts';
import { PayloadTooLargeError } from './payload-too-large-error.ts';

/** Every JSON body this API takes is a small command; 64 KiB is far above any of them. */
export const MAX_BODY_BYTES = 64 * 1024;
/** How many field problems the message spells out; `fields` lists them all. */
const ISSUES_IN_MESSAGE = 3;

type Validated<Target extends 'json' | 'query', Schema extends z.ZodType> = {
  in: { [K in Target]: z.input<Schema> };
  out: { [K in Target]: z.output<Schema> };
};

/** Refuses bodies over `maxBytes` (413) before anything reads them. */
export function limitBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError({
        code: 'payload_too_large',
        userMessage: `The request body is larger than the ${Math.floor(maxBytes / 1024)} KiB allowed.`,
        hint: 'Send a smaller request body.',
      });
    },
  });
}

/**
 * Parses the JSON body against `schema`; the handler reads the result with `c.req.valid('json')`.
 * Nothing downstream runs on bad input, so a bad body can never cause a partial write. With
 * `bodyOptional`, a request with no body at all (`curl -X POST`) is checked as `{}`, whatever its
 * content type; a body that is there must be JSON.
 */
export function validateJson<Schema extends z.ZodType>(
  schema: Schema,
  options: { bodyOptional?: boolean } = {},
): MiddlewareHandler<AppEnv, string, Validated<'json', Schema>> {
  return async (c, next) => {
    const text = await c.req.text();
    if (options.bodyOptional && text.length === 0) {
      c.req.addValidatedData('json', check(schema, {}, 'body'));
      return next();
    }
    if (!isJson(c.req.header('content-type'))) {
      throw new ValidationError({
        code: 'invalid_content_type',
        userMessage: 'The request body must be JSON.',
        hint: 'Send the body with Content-Type: application/json.',
        issues: [],
      });
    }
    const body = parseJson(text);
    c.req.addValidatedData('json', check(schema, body, 'body'));
    await next();
  };
}

/** Checks the query string against `schema` (values arrive as strings: use `z.coerce`). */
export function validateQuery<Schema extends z.ZodType>(
  schema: Schema,
): MiddlewareHandler<AppEnv, string, Validated<'query', Schema>> {
  return async (c, next) => {
    c.req.addValidatedData('query', check(schema, c.req.query(), 'query'));
    await next();
  };
}

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError({
      code: 'malformed_json',
      userMessage: 'The request body is not valid JSON.',
      issues: [],
      cause: error,
    });
  }
}

function check(schema: z.ZodType, value: unknown, where: 'body' | 'query'): object {
  const result = schema.safeParse(value);
  if (result.success) return result.data as object;
  const issues = result.error.issues.map(
    (issue): FieldIssue => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }),
  );
  throw new ValidationError({
    code: `invalid_${where}`,
    userMessage: `The request ${where === 'body' ? 'body' : 'query string'} is not valid: ${summarise(issues)}.`,
    issues,
  });
}

function summarise(issues: readonly FieldIssue[]): string {
  const listed = issues
    .slice(0, ISSUES_IN_MESSAGE)
    .map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length - listed.length;
  return listed.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
