import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, mergeMap, type Observable } from 'rxjs';
import { Reflector } from '@nestjs/core';
import { READ_ONLY, type AuthenticatedRequest } from '../auth/access.decorator';
import { AuditService } from './audit.service';
import { AUDITS_ITSELF } from './audits-itself.decorator';
import { isMutation } from './mutation';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one place audit events are written. Every mutating route's handler
 * returns a Mutation; this writes its AuditEvent and answers its result.
 * A mutating route that returns anything else is a bug and answers 500.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (READ_METHODS.has(request.method) || this.reflector.get<boolean>(READ_ONLY, context.getHandler())) {
      // What an operator reads under support access is recorded too (by the route itself when it says so).
      if (!request.actor?.support || this.reflector.get<boolean>(AUDITS_ITSELF, context.getHandler())) return next.handle();
      return next.handle().pipe(mergeMap((value: unknown) => from(this.recordSupportRead(request).then(() => value))));
    }
    return next.handle().pipe(
      mergeMap((value: unknown) => {
        if (!isMutation(value)) {
          throw new Error(`${request.method} ${request.route?.path as string} returned no audit description`);
        }
        const actor = request.actor;
        if (!actor) throw new Error('A mutating route ran without an actor');
        return from(this.audit.record(actor, String(request.id), value.audit).then(() => value.result));
      }),
    );
  }

  private recordSupportRead(request: AuthenticatedRequest): Promise<void> {
    const tenant = request.tenant;
    return this.audit.record(request.actor!, String(request.id), {
      action: 'support.read',
      target: { type: 'route', id: `${request.method} ${request.route?.path as string}` },
      tenantId: tenant?.id ?? null,
      partnerId: tenant?.partnerId ?? null,
    });
  }
}
