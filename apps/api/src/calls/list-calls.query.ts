import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CALL_STATUSES } from '@app/vapi';

/** Query string of `GET /api/calls`. Unknown parameters are rejected with 400. */
export class ListCallsQuery {
  @ApiPropertyOptional({ enum: CALL_STATUSES })
  @IsOptional()
  @IsIn(CALL_STATUSES)
  status?: string;

  @ApiPropertyOptional({ example: 'completed' })
  @IsOptional()
  @IsString()
  outcome?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  assistantId?: string;

  /** One tenant's calls (operators); a tenant token only ever sees its own. */
  @ApiPropertyOptional({ description: "One tenant's calls (operators)." })
  @IsOptional()
  @IsString()
  tenant?: string;

  /** Calls created at or after this instant (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after.' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  /** Calls created before this instant (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', description: 'Created before.' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}

/** Query string of one call's routes: an operator names the tenant when a VAPI id is ambiguous. */
export class CallTenantQuery {
  @ApiPropertyOptional({
    description: 'The tenant, when a VAPI id exists under several (operators).',
  })
  @IsOptional()
  @IsString()
  tenant?: string;
}
