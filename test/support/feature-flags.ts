import { KNOWN_FLAGS } from '../../src/core/feature-flags.ts';

/** What `GET /api/me` answers as `features` when no flag is set: every feature on. */
export const ALL_FEATURES_ON = Object.fromEntries(KNOWN_FLAGS.map((key) => [key, true]));
