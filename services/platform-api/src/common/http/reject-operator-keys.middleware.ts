import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors/domain-error';
import { findOperatorKey } from './validation';

/** Refuses any body or query that carries a MongoDB operator key, with a 400. */
@Injectable()
export class RejectOperatorKeysMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    for (const [where, value] of [['body', request.body], ['query', request.query]] as const) {
      const key = findOperatorKey(value);
      if (key) {
        next(DomainError.invalid({ [key]: ['operator and dotted keys are not accepted'] }, `The ${where} contains a key that is not accepted: ${key}`));
        return;
      }
    }
    next();
  }
}
