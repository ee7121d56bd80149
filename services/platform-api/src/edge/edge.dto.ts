import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class EdgeTicketDto {
  @ApiProperty({ example: 'https://northwind.tessera.example/reports?week=47', description: 'The workspace page to open once signed in' })
  @IsString()
  @MaxLength(4_096)
  returnUrl!: string;
}
