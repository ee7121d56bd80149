/** Every error the API answers carries one of these codes. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Why a 409 was answered, when the cause is a lasting state the caller can act
 * on rather than a race: the apps say so in words and stop offering the action.
 * `ACCOUNT_DISABLED` comes with a 403 on any route: an operator disabled the
 * person behind the token, and the apps sign them out to a page that says so.
 * `BACKUP_FAILED`: a tenant was not terminated because the backup taken first
 * failed; an operator may terminate it anyway (`force`, with a reason).
 */
export const ERROR_REASONS = ['TENANT_TERMINATED', 'PARTNER_TERMINATED', 'ACCOUNT_DISABLED', 'BACKUP_FAILED'] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  requestId: string;
  /** For VALIDATION_FAILED: the offending fields and what is wrong with each. */
  fields?: Record<string, string[]>;
  /** For some CONFLICTs: the lasting state that refuses the change (a terminated tenant or partner is read-only; a failed backup before terminate). */
  reason?: ErrorReason;
}
