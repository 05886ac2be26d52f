import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ReadTokenAuthenticator } from '../tenancy/read-token-authenticator';
import { ScopedRequest, TENANT_SCOPED } from '../tenancy/read-scope';
import { STREAM_TICKET_COOKIE, StreamTickets, cookieValue } from './stream-tickets';

/**
 * The read guard of what a browser loads without headers (live streams, the recording file):
 * a read token in `Authorization`, as on the rest of the read API, or else a stream ticket in
 * its HTTP-only cookie (`POST /api/stream/tickets`). Same scopes and `@TenantScoped()` rule.
 */
@Injectable()
export class LiveReadGuard implements CanActivate {
  constructor(
    private readonly auth: ReadTokenAuthenticator,
    private readonly tickets: StreamTickets,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & ScopedRequest>();
    const ticket = cookieValue(req.headers.cookie, STREAM_TICKET_COOKIE);
    let scope;
    if (req.headers.authorization === undefined && ticket !== undefined) {
      const check = this.tickets.verify(ticket);
      if (!check.ok) throw new UnauthorizedException(check.reason);
      scope = check.scope;
    } else {
      const result = await this.auth.authorize(req.headers.authorization);
      if (!result.ok) {
        if (result.status === 503) throw new ServiceUnavailableException(result.reason);
        throw new UnauthorizedException(result.reason);
      }
      scope = result.scope;
    }
    if (!scope.all && this.reflector.get(TENANT_SCOPED, context.getHandler()) !== true) {
      throw new ForbiddenException('This route takes operator tokens only.');
    }
    req.readScope = scope;
    return true;
  }
}
