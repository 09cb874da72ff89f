/** The one error type the HTTP layer turns into a JSON answer. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static validation(fields: Record<string, string>, message = 'The request is not valid'): AppError {
    return new AppError(400, 'validation_failed', message, fields);
  }

  static notFound(what: string): AppError {
    return new AppError(404, 'not_found', `${what} not found`);
  }

  static unauthorized(message = 'A valid bearer token is required'): AppError {
    return new AppError(401, 'unauthorized', message);
  }

  static forbidden(message = 'Your role may not do this'): AppError {
    return new AppError(403, 'forbidden', message);
  }
}
