import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ErrorBody, ErrorCode } from '@tessera/contracts';
import type { Request, Response } from 'express';
import { DomainError, isDuplicateKeyError } from './domain-error';
import { IntegrationError, type IntegrationErrorCode } from '../../integrations/integration-error';
import { codeOf, statusOf } from './error-status';

/** An integration that is down is a 503 for the caller, never a 500. */
const integrationCodes: Record<IntegrationErrorCode, ErrorCode> = { unavailable: 'UNAVAILABLE', conflict: 'CONFLICT', not_found: 'NOT_FOUND' };

/** Answers every error as `{ statusCode, code, message, requestId }`. */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = this.toBody(exception, String(request.id ?? ''));
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, requestId: body.requestId }, body.message);
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof DomainError) {
      const body: ErrorBody = { statusCode: statusOf(exception.code), code: exception.code, message: exception.message, requestId };
      if (exception.fields) body.fields = exception.fields;
      if (exception.reason) body.reason = exception.reason;
      return body;
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      return { statusCode, code: codeOf(statusCode), message: messageOf(exception), requestId };
    }
    if (exception instanceof IntegrationError) {
      const code = integrationCodes[exception.code];
      return { statusCode: statusOf(code), code, message: exception.message, requestId };
    }
    if (isDuplicateKeyError(exception)) {
      return { statusCode: 409, code: 'CONFLICT', message: 'That already exists', requestId };
    }
    return { statusCode: 500, code: 'INTERNAL', message: 'Something went wrong on our side', requestId };
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
