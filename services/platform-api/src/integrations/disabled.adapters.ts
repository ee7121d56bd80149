import type { Readable } from 'node:stream';
import { ContainerNodes, type EngineNode } from './containers/container-nodes.port';
import { ContainerRuntime, type VolumeBackup, type VolumeManifest, type VolumeRestore, type WorkspaceEnsured, type WorkspaceState, type WorkspaceStatus, type WorkspaceUsage } from './containers/container-runtime.port';
import { EdgeRouter, RouteSource, type RouteDocument, type RouteEnsured } from './edge/edge-router.port';
import { FileSpaces, type FileSpaceEnsured } from './files/file-spaces.port';
import { IntegrationDisabled, IntegrationError } from './integration-error';
import { MailDomains, type MailDomainEnsured } from './mail/mail-domains.port';

/**
 * The adapters bound when an integration is not configured. Every method
 * throws IntegrationDisabled with the reason, which the provisioning steps
 * record as `skipped` and the health probes report as skipped: nobody else
 * asks whether an integration is configured.
 */
export class DisabledContainerRuntime extends ContainerRuntime {
  constructor(private readonly reason = 'No container engine is configured') {
    super();
  }
  ensureWorkspace(): Promise<WorkspaceEnsured> {
    return this.refuse();
  }
  status(): Promise<WorkspaceStatus> {
    return this.refuse();
  }
  restart(): Promise<void> {
    return this.refuse();
  }
  stop(): Promise<void> {
    return this.refuse();
  }
  displaceForeign(): Promise<string[]> {
    return this.refuse();
  }
  ping(): Promise<void> {
    return this.refuse();
  }
  workspaceStates(): Promise<Map<string, WorkspaceState>> {
    return this.refuse();
  }
  /** No engine, no events. */
  watch(): () => void {
    return () => undefined;
  }
  logs(): Promise<Readable> {
    return this.refuse();
  }
  usage(): Promise<WorkspaceUsage | null> {
    return this.refuse();
  }
  /** No engine, no volume to back up or restore: refused with the reason, never a pretended backup. */
  backupVolume(): Promise<VolumeBackup> {
    return this.refuse();
  }
  restoreVolume(): Promise<VolumeRestore> {
    return this.refuse();
  }
  volumeManifest(): Promise<VolumeManifest & { lines: string[] }> {
    return this.refuse();
  }
  forgetSnapshots(): Promise<string[]> {
    return this.refuse();
  }
  private refuse(): Promise<never> {
    return Promise.reject(new IntegrationDisabled('containers', this.reason));
  }
}

export class DisabledEdgeRouter extends EdgeRouter {
  constructor(private readonly reason = 'No edge route store is configured') {
    super();
  }
  ensureRoute(): Promise<RouteEnsured> {
    return this.refuse();
  }
  removeRoute(): Promise<boolean> {
    return this.refuse();
  }
  ping(): Promise<void> {
    return this.refuse();
  }
  readRoute(): Promise<string | null> {
    return this.refuse();
  }
  private refuse(): Promise<never> {
    return Promise.reject(new IntegrationDisabled('edge', this.reason));
  }
}

/** Routes live in files (EDGE_ROUTES=file): no Traefik reads them from the API. */
export class DisabledRouteSource extends RouteSource {
  document(): Promise<RouteDocument> {
    return Promise.reject(new IntegrationError('edge', 'not_found', 'The routes are not served here: this platform writes them to files (EDGE_ROUTES=file)'));
  }
}

export class DisabledMailDomains extends MailDomains {
  constructor(private readonly reason = 'Mail is not configured') {
    super();
  }
  ensureDomain(): Promise<MailDomainEnsured> {
    return Promise.reject(new IntegrationDisabled('mail', this.reason));
  }
  ping(): Promise<void> {
    return Promise.reject(new IntegrationDisabled('mail', this.reason));
  }
}

export class DisabledFileSpaces extends FileSpaces {
  constructor(private readonly reason = 'File spaces are not configured') {
    super();
  }
  ensureSpace(): Promise<FileSpaceEnsured> {
    return Promise.reject(new IntegrationDisabled('files', this.reason));
  }
  ping(): Promise<void> {
    return Promise.reject(new IntegrationDisabled('files', this.reason));
  }
}

/** No engine, no nodes: the list is empty and nothing can be cordoned. */
export class DisabledContainerNodes extends ContainerNodes {
  readonly kind = 'engine';
  constructor(private readonly reason = 'No container engine is configured') {
    super();
  }
  list(): Promise<EngineNode[]> {
    return Promise.resolve([]);
  }
  setAvailability(): Promise<EngineNode> {
    return Promise.reject(new IntegrationDisabled('containers', this.reason));
  }
  unmetPlacement(): Promise<Map<string, string[]>> {
    return Promise.resolve(new Map());
  }
}
