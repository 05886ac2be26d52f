import { Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ReadTokenAuthenticator } from '../tenancy/read-token-authenticator';
import type { ReadScope } from '../tenancy/read-scope';
import { ReadApiGuard } from './read-api.guard';
import { STREAM_TICKET_COOKIE, StreamTickets, cookieValue } from './stream-tickets';

/**
 * The read guard of what a browser loads without headers (live streams, the recording file):
 * a read token in `Authorization`, as on the rest of the read API, or else a stream ticket in
 * its HTTP-only cookie (`POST /api/stream/tickets`). Same scopes and `@TenantScoped()` rule.
 */
@Injectable()
export class LiveReadGuard extends ReadApiGuard {
  constructor(
    auth: ReadTokenAuthenticator,
    reflector: Reflector,
    private readonly tickets: StreamTickets,
  ) {
    super(auth, reflector);
  }

  protected override async scopeOf(req: FastifyRequest): Promise<ReadScope> {
    const ticket = cookieValue(req.headers.cookie, STREAM_TICKET_COOKIE);
    if (req.headers.authorization !== undefined || ticket === undefined) return super.scopeOf(req);
    const check = this.tickets.verify(ticket);
    if (!check.ok) throw new UnauthorizedException(check.reason);
    return check.scope;
  }
}
