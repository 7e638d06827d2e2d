import type { Logger } from '../observability/logger.ts';
import type { AuthUser } from './jwt.ts';
import type { UserRequestLimit } from './user-request-limit.ts';

/** What every request carries through the middleware chain. */
export type AppVariables = {
  correlationId: string;
  /** A child of the app logger bound to this request's `correlationId`. */
  logger: Logger;
  /** Set by `requireUser()`; absent on public routes such as health. */
  user?: AuthUser;
  /** Each signed-in user's request budget, spent by `requireUser()`. */
  userRequestLimit?: UserRequestLimit;
};

export type AppEnv = { Variables: AppVariables };

/** The environment of handlers behind `requireUser()`: the user is always there. */
export type AuthedEnv = { Variables: AppVariables & { user: AuthUser } };
