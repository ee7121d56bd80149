import type { ErrorCode } from '@tessera/contracts';

/** The only kind of error services throw. The global filter turns it into a status. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what: string): DomainError {
    return new DomainError('NOT_FOUND', `${what} was not found`);
  }
  static conflict(message: string): DomainError {
    return new DomainError('CONFLICT', message);
  }
  static forbidden(message = 'You may not do this'): DomainError {
    return new DomainError('FORBIDDEN', message);
  }
  static unauthenticated(message = 'A valid bearer token is required'): DomainError {
    return new DomainError('UNAUTHENTICATED', message);
  }
  static invalid(fields: Record<string, string[]>, message = 'The request is not valid'): DomainError {
    return new DomainError('VALIDATION_FAILED', message, fields);
  }
}

/** MongoDB's duplicate-key error, as both MongoDB and FerretDB report it. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
