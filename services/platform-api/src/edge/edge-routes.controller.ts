import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access } from '../auth/access.decorator';
import { RouteSource } from '../integrations/edge/edge-router.port';

@ApiTags('edge')
@Controller('edge')
export class EdgeRoutesController {
  constructor(private readonly source: RouteSource) {}

  /**
   * Traefik's HTTP provider: every route as one dynamic configuration
   * (EDGE_ROUTES=http), the same bytes from every API process for one set of
   * routes; gzip when asked, 304 on a matching If-None-Match. When the routes
   * cannot be read it answers 503, never a partial document, so Traefik keeps
   * what it has.
   */
  @Get('routes')
  @Access.edge()
  async routes(@Req() request: Request, @Res() response: Response): Promise<void> {
    const document = await this.source.document();
    response.set({ 'Cache-Control': 'no-cache', ETag: document.etag, Vary: 'Accept-Encoding', 'X-Tessera-Routes': String(document.routes) });
    if (request.headers['if-none-match'] === document.etag) {
      response.status(304).end();
      return;
    }
    const gzip = request.acceptsEncodings('gzip', 'identity') === 'gzip';
    const bytes = gzip ? document.gzip : document.body;
    response.status(200).type('application/json');
    if (gzip) response.set('Content-Encoding', 'gzip');
    response.set('Content-Length', String(bytes.length)).end(bytes);
  }
}
