import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place errors become responses: 4xx keep their message, anything unexpected becomes a
 * generic 500 (details only in the log, with the request id) so internals never leak.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const req = ctx.getRequest<FastifyRequest>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      void reply
        .status(status)
        .send(typeof body === 'string' ? { statusCode: status, message: body } : body);
      return;
    }
    const status = (exception as { statusCode?: unknown })?.statusCode;
    // Fastify's own client errors (body too large, bad media type) carry a 4xx statusCode.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const error = exception as { message?: string; code?: string };
      void reply
        .status(status)
        .send({ statusCode: status, code: error.code, message: error.message });
      return;
    }
    this.logger.error(
      `request ${String(req.id)} ${req.method} ${req.url} failed`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    void reply
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .send({ statusCode: 500, message: 'Internal server error' });
  }
}
