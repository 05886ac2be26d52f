import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { CallsQueryService } from './calls-query.service';
import { CallTenantQuery, ListCallsQuery } from './list-calls.query';
import { ReadApiGuard } from './read-api.guard';
import { ReadScope, ReadScopeOf, TenantScoped } from '../tenancy/read-scope';

const queryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
});

/** Read API over call records: `GET /api/calls` and `GET /api/calls/:id` (the VAPI call id). */
@Controller('calls')
@UseGuards(ReadApiGuard)
export class CallsController {
  constructor(private readonly calls: CallsQueryService) {}

  @Get()
  @TenantScoped()
  list(@Query(queryPipe) query: ListCallsQuery, @ReadScopeOf() scope: ReadScope) {
    return this.calls.list(query, scope);
  }

  @Get(':id')
  @TenantScoped()
  async findOne(
    @Param('id') id: string,
    @Query(queryPipe) query: CallTenantQuery,
    @ReadScopeOf() scope: ReadScope,
  ) {
    const call = await this.calls.findOne(id, scope, query.tenant);
    if (!call) throw new NotFoundException(`No call with id ${id}.`);
    return call;
  }
}
