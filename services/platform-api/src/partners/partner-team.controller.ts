import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPartner } from '../auth/access.decorator';
import { ChangeTeamRoleDto, InviteTeamMemberDto } from './partner.dto';
import type { PartnerDocument } from './partner.schema';
import { PartnerTeamService } from './partner-team.service';

@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners/:partner/team')
export class PartnerTeamController {
  constructor(private readonly team: PartnerTeamService) {}

  @Get()
  @Access.partner('partner.read')
  list(@CurrentPartner() partner: PartnerDocument) {
    return this.team.list(partner);
  }

  @Post()
  @Access.partner('partner.team.manage')
  invite(@CurrentPartner() partner: PartnerDocument, @Body() dto: InviteTeamMemberDto) {
    return this.team.invite(partner, dto);
  }

  @Patch(':userId')
  @Access.partner('partner.team.manage')
  changeRole(@CurrentPartner() partner: PartnerDocument, @Param('userId') userId: string, @Body() dto: ChangeTeamRoleDto) {
    return this.team.changeRole(partner, userId, dto.role);
  }

  @Delete(':userId')
  @Access.partner('partner.team.manage')
  remove(@CurrentPartner() partner: PartnerDocument, @Param('userId') userId: string) {
    return this.team.remove(partner, userId);
  }
}
