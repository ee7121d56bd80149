import { jsonRequest } from '../http-json';
import { FileSpaces, type FileSpaceEnsured } from './file-spaces.port';
import { IntegrationError } from '../integration-error';

interface Drive {
  id: string;
  name: string;
  driveType: string;
}

/**
 * FileSpaces on ownCloud Infinite Scale's libregraph API: a tenant's space is
 * a `project` drive (`/graph/v1.0/drives`), found by name among the project
 * drives the service account can list (`/graph/v1.0/me/drives` would show
 * only its own).
 */
export class OcisFileSpaces extends FileSpaces {
  constructor(private readonly files: { url: string; token: string }) {
    super();
  }

  async ping(): Promise<void> {
    const files = this.files;
    const answer = await jsonRequest(`${files.url.replace(/\/$/, '')}/graph/v1.0/drives?$filter=${encodeURIComponent("driveType eq 'project'")}`, { method: 'GET', token: files.token, timeoutMs: 2_000 });
    if (answer.status !== 200) throw new IntegrationError('files', 'unavailable', `ocis answered ${answer.status}`);
  }

  async ensureSpace(name: string, description: string, quotaBytes: number): Promise<FileSpaceEnsured> {
    const files = this.files;
    const base = `${files.url.replace(/\/$/, '')}/graph/v1.0`;
    const filter = encodeURIComponent("driveType eq 'project'");
    const listed = await jsonRequest(`${base}/drives?$filter=${filter}`, { method: 'GET', token: files.token, timeoutMs: 5_000 });
    if (listed.status !== 200) throw new IntegrationError('files', 'unavailable', `ocis answered ${listed.status} listing drives`);
    const existing = ((listed.body as { value?: Drive[] }).value ?? []).find((drive) => drive.name === name);
    if (existing) return { handle: existing.id, created: false };

    const created = await jsonRequest(`${base}/drives`, { method: 'POST', token: files.token, timeoutMs: 5_000, body: { name, description, quota: { total: quotaBytes } } });
    if (created.status === 201 || created.status === 200) return { handle: (created.body as Drive).id, created: true };
    throw new IntegrationError('files', 'unavailable', `ocis answered ${created.status} creating ${name}: ${JSON.stringify(created.body).slice(0, 200)}`);
  }
}
