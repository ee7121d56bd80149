import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor, ReadOnly } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import type { Response } from 'express';
import { CreateFlagDto, EvaluateFlagsDto, PreviewFlagDto, UpdateFlagDto } from './flag.dto';
import { FlagsService, type SerializedEvaluation } from './flags.service';

@ApiTags('flags')
@ApiBearerAuth()
@Controller('flags')
export class FlagsController {
  constructor(private readonly flags: FlagsService) {}

  @Get()
  @Access.operator()
  list() {
    return this.flags.list();
  }

  @Post()
  @Access.operator()
  create(@Body() dto: CreateFlagDto) {
    return this.flags.create(dto);
  }

  @Post('evaluate')
  @HttpCode(200)
  @ReadOnly()
  @Access.authenticated()
  async evaluate(
    @CurrentActor() actor: Actor,
    @Body() dto: EvaluateFlagsDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SerializedEvaluation | undefined> {
    const { etag, evaluation } = await this.flags.evaluate(actor, dto, ifNoneMatch);
    response.setHeader('ETag', etag);
    response.setHeader('Cache-Control', 'private, no-cache');
    if (evaluation !== 'unchanged') {
      response.type('application/json');
      return evaluation;
    }
    response.status(304);
    return undefined;
  }

  /** The truth map a tenant would get with this flag as drafted; nothing is saved. */
  @Post('preview')
  @HttpCode(200)
  @ReadOnly()
  @Access.operator()
  preview(@Body() dto: PreviewFlagDto) {
    return this.flags.preview(dto);
  }

  @Get(':key')
  @Access.operator()
  read(@Param('key') key: string) {
    return this.flags.read(key);
  }

  @Patch(':key')
  @Access.operator()
  update(@Param('key') key: string, @Body() dto: UpdateFlagDto) {
    return this.flags.update(key, dto);
  }

  @Delete(':key')
  @Access.operator()
  archive(@Param('key') key: string) {
    return this.flags.archive(key);
  }
}
