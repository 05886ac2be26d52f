import {
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiProduces,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Recording, recordingDir } from '@app/database';
import { ReadScope, ReadScopeOf, TenantScoped } from '../tenancy/read-scope';
import { CallsQueryService } from './calls-query.service';
import { LiveReadGuard } from './live-read.guard';
import { noneMatchHits, parseRange } from './recording-range';

/** Recording kinds, most wanted first: the default is the first one stored. */
export const RECORDING_KINDS = ['mono', 'stereo', 'assistant', 'customer', 'video'] as const;

/** Query string of `GET /api/calls/:id/recording`. */
export class RecordingQuery {
  /** Which recording; by default the first stored of mono, stereo, assistant, customer, video. */
  @ApiPropertyOptional({ enum: RECORDING_KINDS })
  @IsOptional()
  @IsIn(RECORDING_KINDS)
  kind?: (typeof RECORDING_KINDS)[number];

  @ApiPropertyOptional({
    description: 'The tenant, when a VAPI id exists under several (operators).',
  })
  @IsOptional()
  @IsString()
  tenant?: string;
}

/** Why there is no file to serve (the `reason` of the 404 body). */
export type RecordingMissingReason =
  'no-call' | 'no-recording' | 'not-fetched-yet' | 'fetch-failed' | 'file-missing';

const queryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
});

const missing = (reason: RecordingMissingReason, message: string): NotFoundException =>
  new NotFoundException({ statusCode: 404, error: 'Not Found', reason, message });

/**
 * `GET /api/calls/:id/recording`: the stored copy of a call's recording, for download and for a
 * browser's audio player (byte ranges for seeking, `ETag` = the file's sha256 for caching).
 * Same authentication as the live streams: a read token, or the stream ticket cookie (`<audio>`
 * sends no `Authorization` header).
 */
@ApiTags('calls')
@ApiBearerAuth('read-token')
@ApiCookieAuth('stream-ticket')
@Controller('calls')
export class RecordingController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly calls: CallsQueryService,
  ) {}

  @Get(':id/recording')
  @ApiOperation({
    summary: "A call's stored recording",
    description:
      'The downloaded file with Content-Type, Content-Length, ETag (its sha256) and byte ranges (206, 416). 304 when If-None-Match names the ETag.',
  })
  @ApiProduces('audio/wav', 'audio/mpeg', 'application/octet-stream')
  @ApiHeader({ name: 'Range', required: false, example: 'bytes=0-1023' })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiResponse({ status: 200, description: 'The whole file.' })
  @ApiResponse({ status: 206, description: 'The requested byte range (Content-Range).' })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag).' })
  @ApiResponse({
    status: 416,
    description: 'The range starts past the end (Content-Range: bytes */size).',
  })
  @ApiNotFoundResponse({
    description:
      'No file to serve; `reason` is no-call, no-recording, not-fetched-yet, fetch-failed or file-missing.',
  })
  @TenantScoped()
  @UseGuards(LiveReadGuard)
  async recording(
    @Param('id') id: string,
    @Query(queryPipe) query: RecordingQuery,
    @ReadScopeOf() scope: ReadScope,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.dataSource.isInitialized) {
      throw new ServiceUnavailableException('The database is not reachable yet; retry later.');
    }
    const recording = await this.pick(id, query, scope);
    // The api may mount the recordings volume elsewhere than the worker: the name is what counts
    // (in the tenant's subdirectory, as the worker stores it).
    const path = join(
      recordingDir(resolve(this.config.recordings.dir), recording.callId),
      basename(recording.storagePath!),
    );
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw missing(
        'file-missing',
        `The ${recording.kind} recording of call ${id} is recorded as stored but its file is missing.`,
      );
    }
    const etag = `"${recording.sha256}"`;
    void reply
      .header('etag', etag)
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, no-cache')
      .header('content-type', recording.contentType ?? 'application/octet-stream');
    if (noneMatchHits(req.headers['if-none-match'], etag)) {
      await reply.status(304).send();
      return;
    }
    // If-Range: a range only applies to the version the client already holds.
    const ifRange = req.headers['if-range'];
    const range =
      ifRange === undefined || ifRange === etag
        ? parseRange(req.headers.range, size)
        : { kind: 'full' as const };
    if (range.kind === 'unsatisfiable') {
      await reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ statusCode: 416, message: `The recording has ${size} bytes.` });
      return;
    }
    if (range.kind === 'partial') {
      await reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1)
        .send(createReadStream(path, { start: range.start, end: range.end }));
      return;
    }
    await reply.status(200).header('content-length', size).send(createReadStream(path));
  }

  private async pick(id: string, query: RecordingQuery, scope: ReadScope): Promise<Recording> {
    const { kind } = query;
    const key = await this.calls.resolveCallKey(id, scope, query.tenant);
    if (key === null) throw missing('no-call', `No call with id ${id}.`);
    const rows = await this.dataSource.getRepository(Recording).find({ where: { callId: key } });
    const rank = (r: Recording): number => {
      const i = RECORDING_KINDS.indexOf(r.kind as (typeof RECORDING_KINDS)[number]);
      return i < 0 ? RECORDING_KINDS.length : i;
    };
    const candidates = rows
      .filter((r) => kind === undefined || r.kind === kind)
      .sort((a, b) => rank(a) - rank(b));
    const what = kind === undefined ? 'recording' : `${kind} recording`;
    if (candidates.length === 0) throw missing('no-recording', `Call ${id} has no ${what}.`);
    const stored = candidates.find(
      (r) => r.state === 'stored' && r.storagePath !== null && r.sha256 !== null,
    );
    if (stored !== undefined) return stored;
    const best = candidates[0];
    if (best.state === 'failed') {
      throw missing(
        'fetch-failed',
        `The ${best.kind} recording of call ${id} could not be fetched after ${best.attempts} attempt(s): ${best.lastError ?? 'unknown error'}`,
      );
    }
    throw missing(
      'not-fetched-yet',
      `The ${best.kind} recording of call ${id} has not been fetched yet (${best.state}, ${best.attempts} attempt(s) so far).`,
    );
  }
}
