import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access, CurrentActor, ReadOnly } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { codeOf } from '../common/errors/error-status';
import { renderEdgePage } from './edge-pages';
import { EdgeTicketDto } from './edge.dto';
import { EdgeService } from './edge.service';

@ApiTags('edge')
@Controller('edge')
export class EdgeController {
  constructor(private readonly edge: EdgeService) {}

  /**
   * Traefik's forwardAuth: 200 with identity headers lets the request through
   * to the workspace; anything else is what the visitor gets instead. It needs
   * no token: it reads the edge session cookie and decides from the database.
   */
  @Get('auth')
  @Access.public()
  async auth(@Req() request: Request, @Res() response: Response): Promise<void> {
    const decision = await this.edge.decide(request.headers);
    response.set('Cache-Control', 'no-store');
    if (decision.kind === 'allow') {
      response.set(decision.headers).status(200).end();
    } else if (decision.kind === 'redirect') {
      if (decision.setCookie) response.set('Set-Cookie', decision.setCookie);
      response.redirect(302, decision.location);
    } else {
      if (decision.retryAfterSeconds) response.set('Retry-After', String(Math.ceil(decision.retryAfterSeconds)));
      // A browser names text/html; a client that accepts anything (*/*) gets JSON.
      const wantsHtml = request.accepts(['application/json', 'text/html']) === 'text/html';
      if (wantsHtml) response.status(decision.status).type('html').send(renderEdgePage(decision));
      else response.status(decision.status).json({ statusCode: decision.status, code: codeOf(decision.status), message: decision.message, requestId: String(request.id ?? ''), title: decision.title });
    }
  }

  /** A one-time sign-in link to a workspace page for the caller: the portal sends people through it. */
  @Post('tickets')
  @HttpCode(200)
  @ReadOnly()
  @ApiBearerAuth()
  @Access.authenticated()
  ticket(@CurrentActor() actor: Actor, @Body() dto: EdgeTicketDto) {
    return this.edge.ticket(actor, dto.returnUrl);
  }
}
