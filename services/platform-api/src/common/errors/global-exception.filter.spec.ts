import type { ArgumentsHost } from '@nestjs/common';
import { IntegrationError } from '../../integrations/integration-error';
import { DomainError } from './domain-error';
import { GlobalExceptionFilter } from './global-exception.filter';

function answer(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const response = { status: (code: number) => ((sent.status = code), { json: (body: Record<string, unknown>) => (sent.body = body) }) };
  const host = { switchToHttp: () => ({ getRequest: () => ({ id: 'req-1' }), getResponse: () => response }) } as unknown as ArgumentsHost;
  new GlobalExceptionFilter().catch(exception, host);
  return sent;
}

describe('GlobalExceptionFilter', () => {
  it('answers a domain error with its status, code, message and the request id', () => {
    expect(answer(DomainError.conflict('taken'))).toEqual({ status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'taken', requestId: 'req-1' } });
  });

  it.each([
    ['unavailable', 503, 'UNAVAILABLE'],
    ['conflict', 409, 'CONFLICT'],
    ['not_found', 404, 'NOT_FOUND'],
  ] as const)('answers an integration that is %s with %i, never 500', (code, status, errorCode) => {
    for (const integration of ['identity', 'containers', 'edge', 'mail', 'files', 'dns'] as const) {
      const { status: sent, body } = answer(new IntegrationError(integration, code, 'it says no'));
      expect(sent).toBe(status);
      expect(body['code']).toBe(errorCode);
    }
  });

  it('hides the details of an unexpected error behind a 500', () => {
    expect(answer(new Error('secret stack detail')).body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'Something went wrong on our side', requestId: 'req-1' });
  });
});
