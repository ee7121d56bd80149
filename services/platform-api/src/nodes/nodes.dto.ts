import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { HasText } from '../common/http/has-text';

export class NodeActionDto {
  @ApiProperty({ example: 'Kernel upgrade on the host, back by 14:00.' })
  @IsString()
  @Length(3, 500)
  @HasText()
  reason: string;
}

export class MoveWorkspaceDto {
  @ApiProperty({ example: 'ylq2b1h0m3x4k5n6p7r8s9t0u', description: 'The id of the node to move the workspace to.' })
  @IsString()
  @Length(1, 128)
  node: string;

  @ApiProperty({ example: 'Emptying swarm-2 before its disk is replaced.' })
  @IsString()
  @Length(3, 500)
  @HasText()
  reason: string;
}
