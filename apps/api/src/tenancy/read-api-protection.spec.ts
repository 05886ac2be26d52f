import { loadConfig } from '@app/config';
import { checkReadApiProtection } from './read-api-protection';

describe(checkReadApiProtection.name, () => {
  const production = (env: Record<string, string> = {}) =>
    loadConfig({ NODE_ENV: 'production', ...env });
  const probe = (answer: number | undefined) => jest.fn(() => Promise.resolve(answer));

  it('refuses production with no token in API_TOKENS nor in the database, naming what to set', async () => {
    const check = await checkReadApiProtection(production(), probe(0));
    expect(check.refuse).toMatch(/API_TOKENS is empty and the database holds no active read token/);
    expect(check.refuse).toMatch(/refusing to start in production/);
    expect(check.refuse).toMatch(/Set API_TOKENS/);
    expect(check.refuse).toMatch(/tokens create --all/);
  });

  it('starts production with an active stored token', async () => {
    expect(await checkReadApiProtection(production(), probe(1))).toEqual({});
  });

  it('starts production with API_TOKENS without asking the database', async () => {
    const asked = probe(0);
    expect(await checkReadApiProtection(production({ API_TOKENS: 't' }), asked)).toEqual({});
    expect(asked).not.toHaveBeenCalled();
  });

  it('starts production when Postgres does not answer, warning that reads are refused', async () => {
    const check = await checkReadApiProtection(production(), probe(undefined));
    expect(check.refuse).toBeUndefined();
    expect(check.warn).toMatch(/refuses every request until it finds an active token/);
  });

  it('only warns in development, without asking the database', async () => {
    const asked = probe(0);
    const check = await checkReadApiProtection(loadConfig({}), asked);
    expect(check).toEqual({ warn: expect.stringMatching(/API_TOKENS is not set/) });
    expect(asked).not.toHaveBeenCalled();
  });
});
