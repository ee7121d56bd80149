import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

/**
 * Every DTO is validated with class-validator: unknown fields are refused and
 * each failing field is named in the 400 answer.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => DomainError.invalid(collectFields(errors)),
  });
}

function collectFields(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) fields[path] = Object.values(error.constraints);
    Object.assign(fields, collectFields(error.children ?? [], path));
  }
  return fields;
}

/**
 * Finds the first key, at any depth, that MongoDB would read as an operator
 * (`$ne`, `$where`, …) or a path (`a.b`). Such input is refused before it can
 * reach a query or an update.
 */
export function findOperatorKey(value: unknown, path = ''): string | null {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findOperatorKey(item, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.startsWith('$') || key.includes('.') || key.includes('[')) return here;
    const found = findOperatorKey(item, here);
    if (found) return found;
  }
  return null;
}
