import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { ChangeTeamRoleDto, InviteTeamMemberDto } from './partner.dto';
import { PartnerBySlugPipe } from './partner-by-slug.pipe';
import type { PartnerRecord } from './partner.schema';
import { PartnerTeamService } from './partner-team.service';

@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners/:partner/team')
export class PartnerTeamController {
  constructor(private readonly team: PartnerTeamService) {}

  @Get()
  @Access.partner('partner.read')
  list(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord) {
    return this.team.list(partner);
  }

  @Post()
  @Access.partner('partner.team.manage')
  invite(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Body() dto: InviteTeamMemberDto) {
    return this.team.invite(partner, dto);
  }

  @Patch(':userId')
  @Access.partner('partner.team.manage')
  changeRole(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Param('userId', new ObjectIdPipe('That team member')) userId: string, @Body() dto: ChangeTeamRoleDto) {
    return this.team.changeRole(partner, userId, dto.role);
  }

  @Delete(':userId')
  @Access.partner('partner.team.manage')
  remove(@Param('partner', PartnerBySlugPipe) partner: PartnerRecord, @Param('userId', new ObjectIdPipe('That team member')) userId: string) {
    return this.team.remove(partner, userId);
  }
}
