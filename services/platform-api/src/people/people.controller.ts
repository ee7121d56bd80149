import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { DisablePersonDto, ListPeopleQuery, PersonChangeDto } from './people.dto';
import { PeopleService } from './people.service';

const PERSON = new ObjectIdPipe('That person');

/** People administration: operators list people, disable and re-enable them, and grant or revoke platform administration. */
@ApiTags('people')
@ApiBearerAuth()
@Controller('people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  /** Newest first; `search` matches part of a name, email or username. */
  @Get()
  @Access.operator()
  list(@Query() query: ListPeopleQuery) {
    const filter = { search: query.search, disabled: query.state === undefined ? undefined : query.state === 'disabled', platformAdmin: query.admin === undefined ? undefined : query.admin === 'true' };
    return this.people.list(filter, query.page, query.pageSize);
  }

  @Get(':id')
  @Access.operator()
  get(@Param('id', PERSON) id: string) {
    return this.people.get(id);
  }

  /** From now on the API refuses their tokens, the edge their workspace cookie, and the apps sign them out. */
  @Post(':id/disable')
  @HttpCode(200)
  @Access.operator()
  disable(@CurrentActor() actor: Actor, @Param('id', PERSON) id: string, @Body() dto: DisablePersonDto) {
    return this.people.disable(actor, id, dto.reason.trim());
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Access.operator()
  enable(@CurrentActor() actor: Actor, @Param('id', PERSON) id: string, @Body() dto: PersonChangeDto) {
    return this.people.enable(actor, id, dto.reason?.trim() || null);
  }

  /** Platform administration: in the identity provider's admin group and in the database. */
  @Post(':id/admin')
  @HttpCode(200)
  @Access.operator()
  grantAdmin(@CurrentActor() actor: Actor, @Param('id', PERSON) id: string, @Body() dto: PersonChangeDto) {
    return this.people.grantAdmin(actor, id, dto.reason?.trim() || null);
  }

  @Delete(':id/admin')
  @HttpCode(200)
  @Access.operator()
  revokeAdmin(@CurrentActor() actor: Actor, @Param('id', PERSON) id: string, @Body() dto: PersonChangeDto) {
    return this.people.revokeAdmin(actor, id, dto.reason?.trim() || null);
  }
}
