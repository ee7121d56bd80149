import { isMutation } from '../audit/mutation';
import { DomainError } from '../common/errors/domain-error';
import { engineNode, MemoryNodes } from '../../test/support/memory-nodes';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { NodesService } from './nodes.service';

const GB = 1024 ** 3;
const TENANT = '64b000000000000000000001';

describe('NodesService', () => {
  const tenants = { findByIds: (ids: string[]) => Promise.resolve(ids.includes(TENANT) ? [{ id: TENANT, name: 'Acme' }] : []) } as unknown as TenantsRepository;

  it("sums what each node's workspaces are promised and names their tenants, leaving unknown ones unnamed", async () => {
    const nodes = new MemoryNodes('swarm', [
      engineNode('n1', {
        workspaces: [
          { tenantId: TENANT, slug: 'acme', state: 'running', memoryBytes: GB, cpus: 0.5 },
          { tenantId: 'left-by-someone', slug: 'stray', state: 'stopped', memoryBytes: GB / 2, cpus: 0.25 },
        ],
      }),
      engineNode('n2'),
    ]);
    const listed = await new NodesService(nodes, tenants).list();
    expect(listed.runtime).toBe('swarm');
    expect(listed.nodes[0]).toMatchObject({ promisedMemoryBytes: 1.5 * GB, promisedCpus: 0.75 });
    expect(listed.nodes[0]!.workspaces.map((workspace) => [workspace.slug, workspace.tenantName])).toEqual([
      ['acme', 'Acme'],
      ['stray', null],
    ]);
    expect(listed.nodes[1]).toMatchObject({ promisedMemoryBytes: 0, promisedCpus: 0, workspaces: [] });
  });

  it('drains a node and describes the change for the audit trail, with the reason', async () => {
    const nodes = new MemoryNodes('swarm', [engineNode('n1')]);
    const answer = await new NodesService(nodes, tenants).setAvailability('n1', 'drained', 'Disk failing');
    expect(isMutation(answer)).toBe(true);
    expect(answer.result).toMatchObject({ id: 'n1', availability: 'drained', reason: 'Disk failing' });
    expect(answer.audit).toEqual({ action: 'node.drain', target: { type: 'node', id: 'n1' }, changes: { availability: { from: 'active', to: 'drained' } }, reason: 'Disk failing' });
  });

  it('refuses, changing nothing: a node already in that state, a node that does not exist, and any change on one engine', async () => {
    const swarm = new MemoryNodes('swarm', [engineNode('n1')]);
    const service = new NodesService(swarm, tenants);
    await expect(service.setAvailability('n1', 'active', 'why')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.setAvailability('n9', 'cordoned', 'why')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.setAvailability('../n1', 'cordoned', 'why')).rejects.toBeInstanceOf(DomainError);
    expect(swarm.changes).toEqual([]);

    const engine = new MemoryNodes('engine', [engineNode('engine')]);
    await expect(new NodesService(engine, tenants).setAvailability('engine', 'cordoned', 'why')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('one container engine') });
    expect(engine.changes).toEqual([]);
  });
});
