import type { ErrorCode, ErrorReason } from '@tessera/contracts';

/** The only kind of error services throw. The global filter turns it into a status. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly reason?: ErrorReason,
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
  /** A terminated (or rejected) tenant is kept and readable, never changed. */
  static tenantTerminated(tenant: { slug: string; name?: string }): DomainError {
    return new DomainError('CONFLICT', `${tenant.name ?? tenant.slug} is terminated: it is kept and can be read, but nothing about it can be changed`, undefined, 'TENANT_TERMINATED');
  }
  /** A terminated partner is kept and readable: no settings, team or customers change any more. */
  static partnerTerminated(partner: { slug: string; name?: string }): DomainError {
    return new DomainError('CONFLICT', `${partner.name ?? partner.slug} is terminated: it is kept and can be read, but nothing about it can be changed`, undefined, 'PARTNER_TERMINATED');
  }
  /** Terminate refused: the backup taken first failed. An operator may force it with a reason. */
  static backupFailedBeforeTerminate(tenant: { name: string }, why: string): DomainError {
    return new DomainError('CONFLICT', `${tenant.name} was not terminated: ${why} An operator may terminate it anyway, without a backup, giving a reason.`, undefined, 'BACKUP_FAILED');
  }
  /** An operator disabled the person behind the token: every route refuses it, whatever the token. */
  static accountDisabled(): DomainError {
    return new DomainError(
      'FORBIDDEN',
      'This account is disabled: Tessera no longer lets it sign in. Ask a platform operator if you think this is a mistake.',
      undefined,
      'ACCOUNT_DISABLED',
    );
  }
  static forbidden(message = 'You may not do this'): DomainError {
    return new DomainError('FORBIDDEN', message);
  }
  static unauthenticated(message = 'A valid bearer token is required'): DomainError {
    return new DomainError('UNAUTHENTICATED', message);
  }
  static tooLarge(limitBytes: number): DomainError {
    return new DomainError('PAYLOAD_TOO_LARGE', `The body is larger than ${Math.round(limitBytes / 1024)} KB`);
  }
  static unsupportedMediaType(): DomainError {
    return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON (Content-Type: application/json)');
  }
  static rateLimited(message: string): DomainError {
    return new DomainError('RATE_LIMITED', message);
  }
  static invalid(fields: Record<string, string[]>, message = 'The request is not valid'): DomainError {
    return new DomainError('VALIDATION_FAILED', message, fields);
  }
}

/**
 * A unique index refused a write. MongoDB (and FerretDB on insert) answer
 * code 11000; FerretDB v1 answers an update that breaks a unique index with
 * code 1 and SQLite's "UNIQUE constraint failed" (seen with v1.24.2).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 11000 || (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}
