import { Injectable, type PipeTransform } from '@nestjs/common';
import { PLANS, type Plan } from '@tessera/contracts';
import { DomainError } from '../common/errors/domain-error';

/** A plan key from the path: one of PLANS, else 404. */
@Injectable()
export class PlanKeyPipe implements PipeTransform<string, Plan> {
  transform(value: string): Plan {
    if (!(PLANS as readonly string[]).includes(value)) throw DomainError.notFound(`The plan "${String(value).slice(0, 40)}"`);
    return value as Plan;
  }
}
