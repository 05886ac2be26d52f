import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { CALL_STATUSES } from '@app/vapi';

/**
 * Where a stream resumes when the client cannot send `Last-Event-ID` (a new `EventSource`
 * opened after its ticket was renewed). The header wins when both are present.
 */
export class CallStreamQuery {
  /** The tenant (operators): of the call when its VAPI id is ambiguous; of the all-calls stream. */
  @ApiPropertyOptional({ description: 'The tenant (operators).' })
  @IsOptional()
  @IsString()
  tenant?: string;

  @ApiPropertyOptional({
    pattern: '^\\d{1,19}$',
    description: 'Resume after this position (the Last-Event-ID header wins).',
  })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'lastEventId must be a feed position (digits)' })
  lastEventId?: string;
}

/** Query string of `GET /api/stream`: every call, or those matching the filters. */
export class AllCallsStreamQuery extends CallStreamQuery {
  /** Only changes of calls whose status is this one (at the change). */
  @ApiPropertyOptional({ enum: CALL_STATUSES })
  @IsOptional()
  @IsIn(CALL_STATUSES)
  status?: string;

  /** Only changes of calls of this assistant. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  assistantId?: string;
}
