import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  MethodNotAllowedException,
  Patch,
  Post,
  Put,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { WebhookValidationError, normalizeWebhook, redactPayload } from '@app/vapi';
import { IntakeMetricsService } from '../metrics/intake-metrics.service';
import { VapiResponderService } from './vapi-responder.service';
import { VapiWebhookGuard } from './vapi-webhook.guard';
import { WebhookIntakeService } from './webhook-intake.service';

/**
 * POST /api/webhook/vapi: verify, validate, normalise, answer what VAPI waits on, enqueue.
 * Nothing else belongs on this path; the workers do the rest.
 */
@Controller('webhook/vapi')
export class VapiWebhookController {
  constructor(
    private readonly intake: WebhookIntakeService,
    private readonly responder: VapiResponderService,
    private readonly metrics: IntakeMetricsService,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(VapiWebhookGuard)
  async receive(
    @Req() req: FastifyRequest & { rawBody?: Buffer },
  ): Promise<Record<string, unknown>> {
    const receivedAt = new Date();
    const body = parseJson(req.rawBody);
    let event;
    try {
      event = normalizeWebhook(body);
    } catch (error) {
      if (error instanceof WebhookValidationError) throw new BadRequestException(error.message);
      throw error;
    }
    this.metrics.noteMessageKind(req, event.kind);
    const enqueued = this.intake.enqueue(event, redactPayload(body), receivedAt);
    if (!this.responder.expectsAnswer(event)) {
      await enqueued;
      return {};
    }
    // VAPI is waiting on the answer (a caller may be on the line). Recording the message must
    // not cost the caller the answer, so an enqueue failure here is logged, not returned.
    const [answer] = await Promise.all([
      this.responder.answer(event, body),
      enqueued.catch((error: unknown) => this.intake.reportLostRecord(event, error)),
    ]);
    return answer;
  }

  // Nest keeps one method decorator per handler, so each verb gets its own route.
  @Get()
  @Header('Allow', 'POST')
  rejectGet(): never {
    throw methodNotAllowed();
  }

  @Put()
  @Header('Allow', 'POST')
  rejectPut(): never {
    throw methodNotAllowed();
  }

  @Patch()
  @Header('Allow', 'POST')
  rejectPatch(): never {
    throw methodNotAllowed();
  }

  @Delete()
  @Header('Allow', 'POST')
  rejectDelete(): never {
    throw methodNotAllowed();
  }
}

const methodNotAllowed = (): MethodNotAllowedException =>
  new MethodNotAllowedException('Use POST to deliver VAPI server messages.');

function parseJson(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) throw new BadRequestException('Request body is empty.');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new BadRequestException(
      `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
