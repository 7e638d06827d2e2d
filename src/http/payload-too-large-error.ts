import { AppError } from '../core/errors.ts';

/** A request body over the size limit: the sender must send less, so a `config` failure. */
export class PayloadTooLargeError extends AppError {
  readonly failureType = 'config';
}
