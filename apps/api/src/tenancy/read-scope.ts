import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * Whose calls a read-API request may see: every tenant's (operator tokens: `API_TOKENS`,
 * `tokens create --all`, or an open read API in development) or one tenant's.
 */
export type ReadScope = { all: true } | { all: false; tenantId: string };

/** The scope of an operator. */
export const ALL_TENANTS: ReadScope = Object.freeze({ all: true });

/** Metadata key of `@TenantScoped()`. */
export const TENANT_SCOPED = 'vapi-hooks:tenant-scoped';

/**
 * Marks a read route that applies the request's `ReadScope` to what it returns. The read
 * guard refuses tenant tokens on routes without it (403), so a new route is operator-only until
 * it scopes its results: forgetting it fails closed.
 */
export const TenantScoped = (): MethodDecorator => SetMetadata(TENANT_SCOPED, true);

/** A request the read guard has admitted. */
export interface ScopedRequest {
  readScope?: ReadScope;
}

/** The `ReadScope` the read guard attached to this request. */
export const ReadScopeOf = createParamDecorator((_: unknown, ctx: ExecutionContext): ReadScope => {
  const scope = ctx.switchToHttp().getRequest<ScopedRequest>().readScope;
  // A handler asking for a scope without the guard in front is a wiring bug: never default to all.
  if (scope === undefined) throw new Error('ReadApiGuard did not run for this route');
  return scope;
});

/**
 * The tenant a request reads: its own for a tenant token; for an operator, the one it names
 * (`?tenant=`) or `undefined` for all. `null` means a tenant token named another tenant, which
 * must look exactly like a missing call (404), never like a refusal that confirms it exists.
 */
export function tenantToRead(scope: ReadScope, requested?: string): string | undefined | null {
  if (scope.all) return requested;
  if (requested !== undefined && requested !== scope.tenantId) return null;
  return scope.tenantId;
}
