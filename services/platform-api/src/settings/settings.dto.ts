import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

export class UpdateSettingsDto {
  @ApiProperty({ description: 'New portal sign-ups wait for an operator before they are provisioned' })
  @IsBoolean()
  signupApproval: boolean;
}
