import { Module } from '@nestjs/common';
import { CallsController } from './calls.controller';
import { CallsQueryService } from './calls-query.service';
import { ReadApiGuard } from './read-api.guard';

@Module({
  controllers: [CallsController],
  providers: [CallsQueryService, ReadApiGuard],
})
export class CallsModule {}
