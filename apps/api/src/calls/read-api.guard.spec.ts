import {
  type ExecutionContext,
  ForbiddenException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ReadTokenAuthenticator } from '../tenancy/read-token-authenticator';
import { ScopedRequest, TenantScoped } from '../tenancy/read-scope';
import { ReadApiGuard } from './read-api.guard';

class Routes {
  @TenantScoped()
  scoped(): void {}

  operatorOnly(): void {}
}

const handlers = new Routes();

function contextFor(
  handler: () => void,
  authorization?: string,
): { context: ExecutionContext; request: ScopedRequest & { headers: Record<string, string> } } {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  const request: ScopedRequest & { headers: Record<string, string> } = { headers };
  const context = {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => handler,
  } as unknown as ExecutionContext;
  return { context, request };
}

const authenticator = (result: Awaited<ReturnType<ReadTokenAuthenticator['authorize']>>) =>
  ({ authorize: () => Promise.resolve(result) }) as unknown as ReadTokenAuthenticator;

describe(ReadApiGuard.name, () => {
  const reflector = new Reflector();

  it('attaches the scope of an admitted request', async () => {
    const guard = new ReadApiGuard(
      authenticator({ ok: true, scope: { all: false, tenantId: 'acme' } }),
      reflector,
    );
    const { context, request } = contextFor(handlers.scoped, 'Bearer t');
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.readScope).toEqual({ all: false, tenantId: 'acme' });
  });

  it('refuses tenant tokens on routes that do not apply a scope (fails closed)', async () => {
    const guard = new ReadApiGuard(
      authenticator({ ok: true, scope: { all: false, tenantId: 'acme' } }),
      reflector,
    );
    const { context, request } = contextFor(handlers.operatorOnly, 'Bearer t');
    await expect(guard.canActivate(context)).rejects.toThrow(ForbiddenException);
    expect(request.readScope).toBeUndefined();
  });

  it('lets operator tokens through on every route', async () => {
    const guard = new ReadApiGuard(authenticator({ ok: true, scope: { all: true } }), reflector);
    await expect(guard.canActivate(contextFor(handlers.operatorOnly).context)).resolves.toBe(true);
  });

  it('turns refusals into 401, and an unreadable token store into 503', async () => {
    const refused = new ReadApiGuard(
      authenticator({ ok: false, status: 401, reason: 'Invalid token.' }),
      reflector,
    );
    await expect(refused.canActivate(contextFor(handlers.scoped).context)).rejects.toThrow(
      UnauthorizedException,
    );
    const down = new ReadApiGuard(
      authenticator({ ok: false, status: 503, reason: 'later' }),
      reflector,
    );
    await expect(down.canActivate(contextFor(handlers.scoped).context)).rejects.toThrow(
      ServiceUnavailableException,
    );
  });
});
