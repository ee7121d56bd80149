import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsFQDN, IsString, MaxLength } from 'class-validator';

export class AddDomainDto {
  @ApiProperty({ example: 'workspace.northwind.example', description: 'A domain the tenant controls; proven by a DNS TXT record before it is routed' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(253)
  @IsFQDN({ require_tld: true, allow_underscores: false, allow_trailing_dot: false }, { message: 'name must be a domain name such as workspace.example.com' })
  name: string;
}
