import { SetMetadata } from '@nestjs/common';

export const AUDITS_ITSELF = 'tessera:audits-itself';

/**
 * A read whose service writes its own audit event, once per session of
 * reading (a workspace's logs): the AuditInterceptor then records no
 * `support.read` for each request an operator makes under support access.
 */
export const AuditsItself = () => SetMetadata(AUDITS_ITSELF, true);
