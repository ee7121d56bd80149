import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateTenantDto } from './tenant.dto';

const slugErrors = (slug: unknown) =>
  validateSync(plainToInstance(CreateTenantDto, { slug, name: 'X' })).filter((error) => error.property === 'slug');

describe('tenant slug rules', () => {
  it.each(['abc', 'a-b', 'northwind', 'team-42', 'a'.repeat(32), '4ever'])('accepts %s', (slug) => {
    expect(slugErrors(slug)).toEqual([]);
  });

  it.each(['ab', 'a'.repeat(33), '-abc', 'abc-', 'ABC', 'a_b', 'a.b', 'día', '', 42, null])('refuses %p', (slug) => {
    expect(slugErrors(slug)).not.toEqual([]);
  });

  it.each(['admin', 'api', 'app', 'auth', 'login', 'mail', 'operator', 'portal', 'root', 'static', 'system', 'www'])('refuses the reserved word %s', (slug) => {
    expect(slugErrors(slug)[0]?.constraints).toHaveProperty('isNotIn');
  });
});
