import { TenancyUsageError, parseExpiry, parseTenancyCommand } from './tenancy-commands';

describe(parseTenancyCommand.name, () => {
  it.each([
    [['tenants'], /tenants needs a subcommand/],
    [['tenants', 'remove', 'acme'], /unknown command: tenants remove/],
    [['tenants', 'add'], /needs the new tenant id/],
    [['tenants', 'add', 'a', 'b'], /unexpected argument "b"/],
    [['tenants', 'disable'], /needs the tenant id/],
    [['credentials', 'add', '--kind', 'hmac'], /needs --tenant/],
    [['credentials', 'add', '--tenant', 'acme'], /needs --kind \(legacy-secret, bearer, hmac\)/],
    [['credentials', 'add', '--tenant', 'acme', '--kind', 'md5'], /--kind must be one of/],
    [
      ['credentials', 'add', '--tenant', 'acme', '--kind', 'hmac', '--secret', 's'],
      /Unknown option '--secret'/,
    ],
    [['credentials', 'revoke', '--id', 'abc'], /needs --tenant/],
    [['tokens', 'create'], /say whose calls the token may read: --tenant <id> .* or --all/],
    [['tokens', 'create', '--tenant', 'acme', '--all'], /--tenant <id> or --all, not both/],
    [['tokens', 'create', '--all', '--expires', 'soon'], undefined],
    [['tokens', 'list', '--tenant', 'acme', '--all'], /not both/],
  ])('%j is refused before anything runs', (argv, message) => {
    const [command, ...args] = argv as ['tenants' | 'credentials' | 'tokens', ...string[]];
    if (message === undefined) {
      // --expires is read when the command runs (it needs the clock): parsing accepts it.
      expect(() => parseTenancyCommand(command, args)).not.toThrow();
      return;
    }
    expect(() => parseTenancyCommand(command, args)).toThrow(TenancyUsageError);
    expect(() => parseTenancyCommand(command, args)).toThrow(message);
  });

  it('accepts the documented forms', () => {
    for (const argv of [
      ['tenants', 'add', 'acme', '--name', 'Acme Corp'],
      ['tenants', 'list'],
      ['tenants', 'disable', 'acme'],
      ['credentials', 'add', '--tenant', 'acme', '--kind', 'bearer', '--label', 'prod'],
      ['credentials', 'rotate', '--tenant', 'acme', '--secret-stdin'],
      ['credentials', 'revoke', '--tenant', 'acme'],
      ['credentials', 'list', '--tenant', 'acme', '--revoked'],
      ['tokens', 'create', '--tenant', 'acme', '--expires', '30d'],
      ['tokens', 'list'],
      ['tokens', 'revoke', '--id', 'abc', '--all'],
    ]) {
      const [command, ...args] = argv as ['tenants' | 'credentials' | 'tokens', ...string[]];
      expect(typeof parseTenancyCommand(command, args)).toBe('function');
    }
  });
});

describe(parseExpiry.name, () => {
  const now = new Date('2026-03-01T12:00:00.000Z');

  it('reads durations and ISO dates', () => {
    expect(parseExpiry('90m', now).toISOString()).toBe('2026-03-01T13:30:00.000Z');
    expect(parseExpiry('12h', now).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(parseExpiry('30d', now).toISOString()).toBe('2026-03-31T12:00:00.000Z');
    expect(parseExpiry('2w', now).toISOString()).toBe('2026-03-15T12:00:00.000Z');
    expect(parseExpiry('2026-06-30T00:00:00Z', now).toISOString()).toBe('2026-06-30T00:00:00.000Z');
    expect(parseExpiry('2026-06-30', now).toISOString()).toBe('2026-06-30T00:00:00.000Z');
  });

  it.each(['soon', '30', '30y', '-1d', '2026-13-45', 'tomorrow'])('refuses %j', (value) => {
    expect(() => parseExpiry(value, now)).toThrow(/neither a duration .* nor an ISO 8601 date/);
  });
});
