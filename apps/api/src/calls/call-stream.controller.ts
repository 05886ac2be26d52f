import {
  Controller,
  Get,
  HttpCode,
  Logger,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ReadScope, ReadScopeOf, TenantScoped, tenantToRead } from '../tenancy/read-scope';
import { CallsQueryService } from './calls-query.service';
import { CallStreamHub, StreamFilter } from './call-stream.hub';
import { LiveReadGuard } from './live-read.guard';
import { ReadApiGuard } from './read-api.guard';
import { STREAM_TICKET_COOKIE, StreamTickets } from './stream-tickets';
import { CallChangeEventDto, StreamTicketDto } from './call-view.dto';
import { AllCallsStreamQuery, CallStreamQuery } from './stream.query';

const queryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
});

/**
 * Live streams of call changes (server-sent events): `GET /api/calls/:id/stream` and
 * `GET /api/stream`, and `POST /api/stream/tickets`, which trades a read token for the
 * HTTP-only cookie a browser's `EventSource` presents instead of a header.
 */
const STREAM_DOC =
  'Server-sent events, one per committed change (`event:` status, transcript, summary or recording; `id:` the feed position; `data:` JSON, see CallChangeEvent). Starts with `ready` (its id is the current position). Resume with `Last-Event-ID` (or `?lastEventId=`): missed changes are replayed, or a `reset` event says to re-read the call. A comment line every STREAM_HEARTBEAT_SECONDS.';

@ApiTags('live')
@ApiBearerAuth('read-token')
@Controller()
export class CallStreamController {
  private readonly logger = new Logger(CallStreamController.name);

  constructor(
    private readonly hub: CallStreamHub,
    private readonly tickets: StreamTickets,
    private readonly dataSource: DataSource,
    private readonly calls: CallsQueryService,
  ) {}

  @Get('calls/:id/stream')
  @ApiOperation({ summary: 'Live changes of one call (SSE)', description: STREAM_DOC })
  @ApiCookieAuth('stream-ticket')
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiResponse({ status: 200, description: 'An event stream.', type: CallChangeEventDto })
  @ApiResponse({ status: 404, description: 'No such call (or not visible to this token).' })
  @TenantScoped()
  @UseGuards(LiveReadGuard)
  async callStream(
    @Param('id') id: string,
    @Query(queryPipe) query: CallStreamQuery,
    @ReadScopeOf() scope: ReadScope,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.assertReady();
    const key = await this.calls.resolveCallKey(id, scope, query.tenant);
    if (key === null) throw new NotFoundException(`No call with id ${id}.`);
    await this.open(req, reply, { callId: key, visible: true }, query.lastEventId);
  }

  @Get('stream')
  @ApiOperation({
    summary: 'Live changes of every call (SSE), optionally filtered',
    description: STREAM_DOC,
  })
  @ApiCookieAuth('stream-ticket')
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiResponse({ status: 200, description: 'An event stream.', type: CallChangeEventDto })
  @TenantScoped()
  @UseGuards(LiveReadGuard)
  async allCallsStream(
    @Query(queryPipe) query: AllCallsStreamQuery,
    @ReadScopeOf() scope: ReadScope,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.assertReady();
    const tenant = tenantToRead(scope, query.tenant);
    const filter: StreamFilter = {
      status: query.status,
      assistantId: query.assistantId,
      tenant: tenant ?? undefined,
      // A tenant token naming another tenant: a silent stream, as an empty list.
      visible: tenant !== null,
    };
    await this.open(req, reply, filter, query.lastEventId);
  }

  @Post('stream/tickets')
  @ApiOperation({
    summary: 'Trade a read token for a stream ticket',
    description:
      'Sets the HTTP-only cookie `vapi_stream_ticket` (Path=/api, SameSite=Strict, short-lived) that live streams and the recording file accept in place of the Authorization header, for EventSource and <audio>. Renew it with the token before it expires.',
  })
  @ApiCreatedResponse({ type: StreamTicketDto })
  @HttpCode(201)
  @TenantScoped()
  @UseGuards(ReadApiGuard)
  issueTicket(
    @ReadScopeOf() scope: ReadScope,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { ticket, expiresAt } = this.tickets.issue(scope);
    const maxAge = Math.round((expiresAt.getTime() - Date.now()) / 1000);
    const secure = req.protocol === 'https' ? '; Secure' : '';
    void reply.header(
      'set-cookie',
      `${STREAM_TICKET_COOKIE}=${ticket}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
    );
    return { expiresAt: expiresAt.toISOString(), expiresInSeconds: maxAge };
  }

  private assertReady(): void {
    if (!this.hub.ready || !this.dataSource.isInitialized) {
      throw new ServiceUnavailableException(
        'Live streams are not available yet (database unreachable); retry later.',
      );
    }
  }

  private async open(
    req: FastifyRequest,
    reply: FastifyReply,
    filter: StreamFilter,
    queryLastEventId: string | undefined,
  ): Promise<void> {
    const header = req.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) ?? queryLastEventId;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells proxies (nginx) not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    try {
      await this.hub.subscribe(res, filter, lastEventId);
    } catch (error) {
      this.logger.warn(`stream ${String(req.id)} failed to start: ${(error as Error).message}`);
      res.destroy();
    }
  }
}
