import type { WorkspaceStatus } from '@tessera/contracts';

export default defineEventHandler((event) => callApi<WorkspaceStatus>(event, `/tenants/${param(event, 'slug')}/workspace`));
