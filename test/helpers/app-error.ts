import { AppError } from '../../src/errors';

/** Runs fn, expects it to throw a 400 AppError, and returns the fields it names. */
export function validationFields(fn: () => unknown): Record<string, string> | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).fields;
  }
  throw new Error('expected a validation error');
}
