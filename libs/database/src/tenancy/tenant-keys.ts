import { join } from 'node:path';
import { DEFAULT_TENANT_ID, TENANT_ID_PATTERN } from './credential-secrets';

/**
 * How a tenant's records are keyed. A call (and an event-log dedup key) of the default tenant
 * keeps its bare VAPI value; any other tenant's is prefixed `<tenant>/`. So an install that
 * predates tenants needs no key rewrite, the same VAPI call id under two tenants is two rows, and
 * every table keyed by a call (transcript segments, recordings, the change feed) is partitioned
 * by tenant without a second key column threaded through every statement.
 *
 * PERSISTENT: the migration `CallTenants` derives the `tenant_id` / `vapi_call_id` columns from
 * these keys with the same rule (`strpos(key, '/')`); change both or neither. Tenant ids never
 * contain `/` (`ck_tenants_id`), and intake refuses call ids that do, so the split is exact.
 */
export const TENANT_KEY_SEPARATOR = '/';

/** The stored key of `localId` (a VAPI call id or a dedup key) under `tenantId`. */
export function tenantKey(tenantId: string, localId: string): string {
  return tenantId === DEFAULT_TENANT_ID ? localId : `${tenantId}${TENANT_KEY_SEPARATOR}${localId}`;
}

/** The tenant and VAPI-side id of a stored key (inverse of `tenantKey`). */
export function splitTenantKey(key: string): { tenantId: string; localId: string } {
  const at = key.indexOf(TENANT_KEY_SEPARATOR);
  return at < 0
    ? { tenantId: DEFAULT_TENANT_ID, localId: key }
    : { tenantId: key.slice(0, at), localId: key.slice(at + 1) };
}

/** SQL deriving the tenant of a key column (the migration's generated columns use it). */
export function tenantOfKeySql(column: string): string {
  return `CASE WHEN strpos(${column}, '/') > 0 THEN split_part(${column}, '/', 1) ELSE 'default' END`;
}

/** SQL deriving the VAPI-side id of a key column. */
export function localIdOfKeySql(column: string): string {
  return `CASE WHEN strpos(${column}, '/') > 0 THEN substr(${column}, strpos(${column}, '/') + 1) ELSE ${column} END`;
}

/**
 * Where a call's recordings live (the worker writes there, the api serves from there): the
 * default tenant's directly in `RECORDINGS_DIR` (as before tenants), any other tenant's in a
 * subdirectory named after it, so equal VAPI ids never share a file.
 */
export function recordingDir(root: string, callKey: string): string {
  const { tenantId } = splitTenantKey(callKey);
  if (tenantId === DEFAULT_TENANT_ID) return root;
  // Keys only get a prefix from `tenantKey`, but a path is no place to trust that.
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
  return join(root, tenantId);
}
