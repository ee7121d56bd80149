import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { READ_ONLY, type AuthenticatedRequest } from './access.decorator';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Limits mutating requests per actor (token subject), or per client address
 * when there is none. Runs after the AccessGuard, which resolves the actor.
 * Over the limit the answer is 429 with Retry-After.
 */
@Injectable()
export class MutationThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.get<boolean>(READ_ONLY, context.getHandler())) return true;
    return READ_METHODS.has(context.switchToHttp().getRequest<AuthenticatedRequest>().method);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { actor, ip } = request as unknown as AuthenticatedRequest;
    return actor ? `actor:${actor.subject}` : `ip:${ip ?? 'unknown'}`;
  }
}
