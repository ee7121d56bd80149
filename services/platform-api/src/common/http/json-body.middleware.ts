import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';
import { parseStrictJson } from './strict-json';

/** Methods whose body, if any, is read; a body sent with GET, HEAD or OPTIONS is ignored. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Deep enough for every body the API takes (a flag's rules are four levels), shallow enough to refuse abuse. */
export const MAX_JSON_DEPTH = 16;
/** `application/json` or `application/<something>+json`, with UTF-8 or no charset. */
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json$/;

/**
 * Reads every request body the API takes, in place of Express's parsers, and
 * refuses with a 4xx (through the global filter, so with a request id) what
 * must never reach a route:
 * - more than one Authorization header: 400 (Node keeps only the first);
 * - a body larger than the limit: 413, decided from Content-Length before
 *   reading when it is given, else while reading;
 * - a body that is not JSON: 415;
 * - JSON nested too deep, naming a key twice or naming `__proto__`: 400,
 *   decided before anything parses recursively.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const authorizations = request.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === 'authorization').length;
    if (authorizations > 1) return next(DomainError.invalid({ authorization: ['send one Authorization header'] }, 'The request has more than one Authorization header'));
    if (!BODY_METHODS.has(request.method) || !hasBody(request)) return next();

    const { bodyLimitBytes } = this.config.http;
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(request.headers['content-type'] ?? '')?.[2]?.toLowerCase();
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > bodyLimitBytes) return this.refuseUnread(request, response, next, DomainError.tooLarge(bodyLimitBytes));
    if (!JSON_TYPE.test(mediaType) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
      return this.refuseUnread(request, response, next, DomainError.unsupportedMediaType());
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: DomainError) => {
      if (settled) return;
      settled = true;
      request.removeListener('data', onData);
      if (error) return this.refuseUnread(request, response, next, error);
      const parsed = parseStrictJson(Buffer.concat(chunks).toString('utf8'), MAX_JSON_DEPTH);
      if (!parsed.ok) return next(DomainError.invalid({ body: [parsed.problem] }, parsed.problem));
      request.body = parsed.value;
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > bodyLimitBytes) settle(DomainError.tooLarge(bodyLimitBytes));
      else chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => settle());
    request.once('error', () => {
      settled = true; // the client went away: nobody to answer
    });
  }

  /**
   * Answers without reading (the rest of) the body: the connection is closed
   * after the answer, so the unread bytes are never taken for a next request.
   */
  private refuseUnread(request: Request, response: Response, next: NextFunction, error: DomainError): void {
    response.setHeader('connection', 'close');
    request.resume();
    next(error);
  }
}

/** Whether the request carries a body at all (RFC 9112: Transfer-Encoding, or a Content-Length above 0). */
function hasBody(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && length !== '0';
}
