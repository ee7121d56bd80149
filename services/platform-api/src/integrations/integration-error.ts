/** The systems Tessera talks to through a port. */
export type IntegrationName = 'identity' | 'containers' | 'edge' | 'mail' | 'files' | 'dns' | 'backups' | 'notifications';

/**
 * What went wrong, as the API answers it: `unavailable` (503: down, timed
 * out, answered an error), `conflict` (409: the system holds something of
 * another's), `not_found` (404).
 */
export type IntegrationErrorCode = 'unavailable' | 'conflict' | 'not_found';

/**
 * The one error every adapter throws. The global filter maps its code to a
 * status, so an integration that fails is never a 500.
 */
export class IntegrationError extends Error {
  constructor(
    readonly integration: IntegrationName,
    readonly code: IntegrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IntegrationError';
  }
}

/**
 * What a Disabled… adapter throws from every method: the integration is not
 * configured. A provisioning step that meets it is recorded `skipped` with
 * the reason; a health probe reports it skipped; an answer to a person says
 * the reason. It is an IntegrationError (`unavailable`), so it is never a 500.
 */
export class IntegrationDisabled extends IntegrationError {
  constructor(
    integration: IntegrationName,
    readonly reason: string,
  ) {
    super(integration, 'unavailable', reason);
    this.name = 'IntegrationDisabled';
  }
}

/** Whether `error` is an IntegrationError of `integration` (any, when not given). */
export function isIntegrationError(error: unknown, integration?: IntegrationName): error is IntegrationError {
  return error instanceof IntegrationError && (integration === undefined || error.integration === integration);
}
