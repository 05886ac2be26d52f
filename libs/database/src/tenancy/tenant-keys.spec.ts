import { recordingDir, splitTenantKey, tenantKey } from './tenant-keys';

describe('tenant keys', () => {
  it('keeps default-tenant keys bare, so a pre-tenant database needs no rewrite', () => {
    expect(tenantKey('default', 'call-1')).toBe('call-1');
    expect(splitTenantKey('call-1')).toEqual({ tenantId: 'default', localId: 'call-1' });
  });

  it('prefixes other tenants and splits back exactly', () => {
    expect(tenantKey('acme', 'call-1')).toBe('acme/call-1');
    expect(splitTenantKey('acme/call-1')).toEqual({ tenantId: 'acme', localId: 'call-1' });
  });

  it('gives the same VAPI call id under two tenants two different keys', () => {
    expect(tenantKey('acme', 'c')).not.toBe(tenantKey('globex', 'c'));
    expect(tenantKey('acme', 'c')).not.toBe(tenantKey('default', 'c'));
  });
});

describe('recordingDir', () => {
  it("keeps the default tenant's files where they were and gives each other tenant its own", () => {
    expect(recordingDir('/rec', 'call-1')).toBe('/rec');
    expect(recordingDir('/rec', 'acme/call-1')).toBe('/rec/acme');
  });

  it('refuses a key whose prefix is not a tenant id (never a path outside the root)', () => {
    expect(() => recordingDir('/rec', '../call-1')).toThrow('not a tenant id');
  });
});
