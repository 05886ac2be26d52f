import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CALL_STATUSES } from '@app/vapi';

/** Query string of `GET /api/calls`. Unknown parameters are rejected with 400. */
export class ListCallsQuery {
  @IsOptional()
  @IsIn(CALL_STATUSES)
  status?: string;

  @IsOptional()
  @IsString()
  outcome?: string;

  @IsOptional()
  @IsString()
  assistantId?: string;

  /** One tenant's calls (operators); a tenant token only ever sees its own. */
  @IsOptional()
  @IsString()
  tenant?: string;

  /** Calls created at or after this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601()
  from?: string;

  /** Calls created before this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601()
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}

/** Query string of one call's routes: an operator names the tenant when a VAPI id is ambiguous. */
export class CallTenantQuery {
  @IsOptional()
  @IsString()
  tenant?: string;
}
