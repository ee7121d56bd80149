import { DockerContainerRuntime } from './docker.adapter';

describe('DockerContainerRuntime', () => {
  it('refuses a move with a sentence before it calls the engine: one engine has nowhere to move a workspace to', async () => {
    const runtime = new DockerContainerRuntime({ socketPath: '/nonexistent/docker.sock', publishPorts: false, edgeContainer: null });
    const spec = { tenantId: 't1', slug: 'acme', image: 'w', command: [], env: {}, ports: [8080], cpus: 1, memoryMb: 64, pids: 64, user: '65534:65534', running: false, placement: [], handle: 'c1', moveTo: 'elsewhere' };
    await expect(runtime.ensureWorkspace(spec)).rejects.toMatchObject({ integration: 'containers', code: 'conflict', message: expect.stringContaining('there is no other node to move a workspace to') });
  });
});
