import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor, ReadOnly } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { CreateFlagDto, EvaluateFlagsDto, UpdateFlagDto } from './flag.dto';
import { FlagsService } from './flags.service';

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
  evaluate(@CurrentActor() actor: Actor, @Body() dto: EvaluateFlagsDto) {
    return this.flags.evaluate(actor, dto);
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
