import { Module } from '@nestjs/common';
import { PeopleController } from './people.controller';
import { PeopleService } from './people.service';

/** People administration for operators (its data lives in the users and memberships repositories). */
@Module({
  controllers: [PeopleController],
  providers: [PeopleService],
})
export class PeopleModule {}
