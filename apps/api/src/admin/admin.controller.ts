import { InjectQueue } from '@nestjs/bullmq';
import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  Post,
  Req,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';
import { withTimeout } from '@app/observability';
import { JobName, QueueName, jobIds, type JobOf } from '@app/queue';
import { AdminAuthGuard } from './admin-auth.guard';
import { parseReplayRequest } from './replay-request';

/** What `POST /api/admin/replay` answers: the maintenance jobs that will do the work. */
export interface ReplayAccepted {
  queue: QueueName;
  jobIds: string[];
}

/**
 * Admin operations, behind the Bull Board credentials. The api only enqueues: the worker does
 * the work on the `maintenance` queue and each job's report is visible in Bull Board.
 */
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class AdminController {
  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly maintenance: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `POST /api/admin/replay`: one `replay` job per named call and one for the time range, under
   * fresh ids. 202 with the job ids; 400 for a bad request; 503 when Redis is unavailable.
   */
  @Post('replay')
  @HttpCode(202)
  async replay(@Req() req: FastifyRequest): Promise<ReplayAccepted> {
    const request = parseReplayRequest(jsonBody(req.body), req.query);
    const requestId = `${Date.now()}-${randomBytes(4).toString('hex')}`;
    const jobs: { name: JobName.Replay; data: JobOf<JobName.Replay>; opts: { jobId: string } }[] =
      request.callIds.map((callId) => ({
        name: JobName.Replay,
        data: { callIds: [callId], ...request.options },
        opts: { jobId: jobIds.replay(requestId, callId) },
      }));
    if (request.range !== undefined) {
      jobs.push({
        name: JobName.Replay,
        data: { ...request.range, ...request.options },
        opts: { jobId: jobIds.replay(requestId, 'range') },
      });
    }
    try {
      await withTimeout(
        this.maintenance.addBulk(jobs),
        this.config.redis.enqueueTimeoutMs,
        'enqueue',
      );
    } catch (error) {
      throw new ServiceUnavailableException(
        `The maintenance queue is unavailable (${error instanceof Error ? error.message : String(error)}); retry later.`,
      );
    }
    return { queue: QueueName.Maintenance, jobIds: jobs.map((job) => job.opts.jobId) };
  }
}

/** The app keeps JSON bodies as raw bytes (for webhook signatures); parse ours here. */
function jsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestException('Request body is not valid JSON.');
  }
}
