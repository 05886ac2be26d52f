import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BOARD_CHALLENGE, BasicAuthChecker } from '../queue-board/basic-auth';

/**
 * Admin endpoints take the same HTTP Basic credentials as Bull Board (ADMIN_USERNAME /
 * ADMIN_PASSWORD), checked by the board's own checker. Only provided when both are set.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly checker: BasicAuthChecker;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.admin === undefined) throw new Error('AdminAuthGuard needs admin credentials');
    this.checker = new BasicAuthChecker(config.admin);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    if (this.checker.accepts(http.getRequest<FastifyRequest>().headers.authorization)) return true;
    void http
      .getResponse<FastifyReply>()
      .header('WWW-Authenticate', BOARD_CHALLENGE)
      .header('Cache-Control', 'no-store');
    throw new UnauthorizedException('Authentication required');
  }
}
