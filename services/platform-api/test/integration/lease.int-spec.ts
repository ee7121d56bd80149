import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { LeaseRepository } from '../../src/provisioning/lease.repository';
import { TestClock } from '../support/clock';
import { openDataModule, type DataModule } from '../support/data-module';

describe('per-tenant leases on the real database', () => {
  let data: DataModule;
  let leases: LeaseRepository;
  const clock = new TestClock();

  beforeAll(async () => {
    data = await openDataModule('leases', []);
    leases = new LeaseRepository(data.module.get<Connection>(getConnectionToken()), clock);
  });
  afterAll(() => data.close());

  it('gives a lease to exactly one of 20 concurrent callers', async () => {
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => leases.acquire('tenant-1', `holder-${i}`, 60_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('gives a released lease to exactly one of 20 concurrent callers again', async () => {
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => leases.acquire('tenant-2', `a-${i}`, 60_000)));
    const holder = `a-${first.indexOf(true)}`;
    await leases.release('tenant-2', holder);
    const second = await Promise.all(Array.from({ length: 20 }, (_, i) => leases.acquire('tenant-2', `b-${i}`, 60_000)));
    expect(second.filter(Boolean)).toHaveLength(1);
  });

  it('lets another holder take a lease that expired, and not one that did not', async () => {
    expect(await leases.acquire('tenant-3', 'crashed', 50)).toBe(true);
    expect(await leases.acquire('tenant-3', 'other', 60_000)).toBe(false);
    clock.advance(80);
    expect(await leases.acquire('tenant-3', 'other', 60_000)).toBe(true);
  });
});
