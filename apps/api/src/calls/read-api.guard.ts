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
import { ReadScope, ScopedRequest, TENANT_SCOPED } from '../tenancy/read-scope';

/**
 * Call records hold transcripts (personal data): the read API needs `Authorization: Bearer
 * <token>`, a token of `API_TOKENS` (every tenant) or a stored read token (its scope). The
 * request's `ReadScope` is attached for the handler; tenant tokens only pass on routes marked
 * `@TenantScoped()`. Open only in development with no token anywhere.
 */
@Injectable()
export class ReadApiGuard implements CanActivate {
  constructor(
    protected readonly auth: ReadTokenAuthenticator,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & ScopedRequest>();
    const scope = await this.scopeOf(req);
    if (!scope.all && this.reflector.get(TENANT_SCOPED, context.getHandler()) !== true) {
      throw new ForbiddenException('This route takes operator tokens only.');
    }
    req.readScope = scope;
    return true;
  }

  /** Whose calls the request's credentials may read; throws 401/503 when they cannot be used. */
  protected async scopeOf(req: FastifyRequest): Promise<ReadScope> {
    const result = await this.auth.authorize(req.headers.authorization);
    if (!result.ok) {
      if (result.status === 503) throw new ServiceUnavailableException(result.reason);
      throw new UnauthorizedException(result.reason);
    }
    return result.scope;
  }
}
