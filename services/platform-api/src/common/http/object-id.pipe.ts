import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * Checks a path parameter that names a record by id before it reaches a
 * service: what is not an id names nothing, so it is answered 404 like an id
 * that matches no record (`what` says which: "That member").
 */
@Injectable()
export class ObjectIdPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'That record') {}

  transform(value: string): string {
    if (typeof value !== 'string' || !OBJECT_ID.test(value)) throw DomainError.notFound(this.what);
    return value.toLowerCase();
  }
}
