import fc from 'fast-check';
import { webhookCaseArb } from './arbitraries/webhook-requests';
import { FuzzApi, checkCase } from './fuzz-api';
import { assertProperty, fuzzSettings } from './fuzz-settings';

jest.setTimeout(15 * 60_000);

/**
 * The inbound boundary under generated input: every known message type (both formats), mutated,
 * mis-encoded, mis-typed and mis-authenticated, against the real api on real Redis.
 */
describe('POST /api/webhook/vapi under generated input', () => {
  let api: FuzzApi;

  beforeAll(async () => {
    api = await FuzzApi.start();
    await api.listen();
  });
  afterAll(async () => api?.stop());

  it('never answers 5xx; refuses with a 4xx and a reason, enqueuing nothing; answers what VAPI waits on', async () => {
    await assertProperty(
      fc.asyncProperty(webhookCaseArb(), async (c) => {
        const problems = await checkCase(api, c, 'inject');
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      fuzzSettings(1500),
    );
  });

  it('never resets or hangs up on a socket, whatever it is sent', async () => {
    await assertProperty(
      fc.asyncProperty(webhookCaseArb(), async (c) => {
        const problems = await checkCase(api, c, 'http');
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      fuzzSettings(300),
    );
  });
});
