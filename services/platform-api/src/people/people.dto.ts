import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { HasText } from '../common/http/has-text';
import { PageQuery } from '../common/http/paging.dto';

export class ListPeopleQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of a name, email or username (case-insensitive)' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  search?: string;

  @ApiPropertyOptional({ enum: ['enabled', 'disabled'], description: 'Only people who may sign in, or only disabled ones' })
  @IsOptional()
  @IsIn(['enabled', 'disabled'])
  state?: 'enabled' | 'disabled';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only platform admins, or only people who are not' })
  @IsOptional()
  @IsIn(['true', 'false'])
  admin?: 'true' | 'false';
}

/** Disabling needs a reason: it is kept in the audit trail. */
export class DisablePersonDto {
  @ApiProperty({ example: 'Left the company on 30 November' })
  @IsString()
  @Length(3, 500)
  @HasText()
  reason: string;
}

/** A reason is optional for re-enabling and for granting or revoking platform administration. */
export class PersonChangeDto {
  @ApiPropertyOptional({ example: 'Joined the operations team' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  reason?: string;
}
