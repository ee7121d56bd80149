import { Global, Module, type Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ContainerNodes } from './containers/container-nodes.port';
import { ContainerRuntime } from './containers/container-runtime.port';
import { EngineContainerNodes } from './containers/engine-nodes.adapter';
import { SwarmContainerNodes } from './containers/swarm-nodes.adapter';
import { DockerContainerRuntime } from './containers/docker.adapter';
import { SwarmContainerRuntime } from './containers/swarm.adapter';
import { DisabledContainerNodes, DisabledContainerRuntime, DisabledEdgeRouter, DisabledFileSpaces, DisabledMailDomains, DisabledRouteSource } from './disabled.adapters';
import { NodeDnsTxtRecords } from './dns/node-dns.adapter';
import { TxtRecords } from './dns/txt-records.port';
import { Clock } from '../common/clock';
import { EdgeRouter, RouteSource } from './edge/edge-router.port';
import { EdgeRoutesRepository } from './edge/edge-routes.repository';
import { TraefikFileEdgeRouter } from './edge/traefik-file.adapter';
import { TraefikHttpEdgeRouter } from './edge/traefik-http.adapter';
import { FileSpaces } from './files/file-spaces.port';
import { OcisFileSpaces } from './files/ocis.adapter';
import { AuthentikDirectory } from './identity/authentik.adapter';
import { IdentityDirectory } from './identity/identity-directory.port';
import { MailDomains } from './mail/mail-domains.port';
import { StalwartMailDomains } from './mail/stalwart.adapter';

/** How long a process serves its rendered route document before it reads the routes' version again. */
const ROUTE_VERSION_CHECK_MS = 500;

/**
 * Every adapter, chosen once from the configuration: the real one when its
 * integration is configured, else a Disabled… one whose answers say why.
 */
export const INTEGRATION_PROVIDERS: Provider[] = [
  { provide: IdentityDirectory, inject: [AppConfig], useFactory: (config: AppConfig) => new AuthentikDirectory(config) },
  {
    provide: ContainerRuntime,
    inject: [AppConfig],
    useFactory: ({ workspace }: AppConfig) => {
      if (!workspace.engineSocket) return new DisabledContainerRuntime();
      if (workspace.runtime === 'swarm') return new SwarmContainerRuntime({ socketPath: workspace.engineSocket, edgeContainer: workspace.edgeContainer });
      return new DockerContainerRuntime({ socketPath: workspace.engineSocket, publishPorts: workspace.publishPorts, publishAddress: workspace.publishAddress, edgeContainer: workspace.edgeContainer });
    },
  },
  {
    provide: ContainerNodes,
    inject: [AppConfig],
    useFactory: ({ workspace }: AppConfig) => {
      if (!workspace.engineSocket) return new DisabledContainerNodes();
      if (workspace.runtime === 'swarm') return new SwarmContainerNodes({ socketPath: workspace.engineSocket });
      return new EngineContainerNodes({ socketPath: workspace.engineSocket });
    },
  },
  {
    provide: EdgeRouter,
    inject: [AppConfig, EdgeRoutesRepository, Clock],
    useFactory: ({ edge }: AppConfig, routes: EdgeRoutesRepository, clock: Clock) => {
      if (edge.routes.source === 'http') {
        const settings = { forwardAuthUrl: edge.forwardAuthUrl, suspendedPageUrl: edge.suspendedPageUrl, tlsResolver: edge.tlsResolver, readinessHost: edge.routes.readinessHost };
        const options = { edge: settings, traefikApiUrls: edge.routes.traefikApiUrls, liveWaitMs: edge.routes.liveWaitMs, versionCheckMs: ROUTE_VERSION_CHECK_MS };
        return new TraefikHttpEdgeRouter(options, routes, clock);
      }
      return edge.dynamicDir
        ? new TraefikFileEdgeRouter({ dynamicDir: edge.dynamicDir, pingUrl: edge.pingUrl, forwardAuthUrl: edge.forwardAuthUrl, tlsResolver: edge.tlsResolver, suspendedPageUrl: edge.suspendedPageUrl })
        : new DisabledEdgeRouter('No Traefik dynamic directory is configured');
    },
  },
  // GET /edge/routes serves the HTTP adapter's document; with routes in files there is none.
  { provide: RouteSource, inject: [EdgeRouter], useFactory: (router: EdgeRouter) => (router instanceof TraefikHttpEdgeRouter ? router : new DisabledRouteSource()) },
  { provide: MailDomains, inject: [AppConfig], useFactory: ({ mail }: AppConfig) => (mail ? new StalwartMailDomains(mail) : new DisabledMailDomains()) },
  { provide: FileSpaces, inject: [AppConfig], useFactory: ({ files }: AppConfig) => (files ? new OcisFileSpaces(files) : new DisabledFileSpaces()) },
  { provide: TxtRecords, inject: [AppConfig], useFactory: (config: AppConfig) => new NodeDnsTxtRecords(config) },
];

@Global()
@Module({
  providers: INTEGRATION_PROVIDERS,
  exports: [IdentityDirectory, ContainerRuntime, ContainerNodes, EdgeRouter, RouteSource, MailDomains, FileSpaces, TxtRecords],
})
export class IntegrationsModule {}
