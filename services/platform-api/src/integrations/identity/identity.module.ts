import { Module } from '@nestjs/common';
import { AuthentikDirectory } from './authentik.adapter';
import { IdentityDirectory } from './identity-directory.port';

/** Provides the IdentityDirectory port; Authentik's API is the one adapter (dev-idp speaks it too). */
@Module({
  providers: [{ provide: IdentityDirectory, useClass: AuthentikDirectory }],
  exports: [IdentityDirectory],
})
export class IdentityModule {}
