import { loadConfig } from '@app/config';
import { FakeVapi, errorBody } from '../../../../test/helpers/fake-vapi';
import { VapiApiClient, VapiApiError } from './vapi-api.client';

const API_KEY = 'vapi-private-key-client-7b1f90aa';

describe(VapiApiClient.name, () => {
  let vapi: FakeVapi;

  beforeAll(async () => {
    vapi = await new FakeVapi(API_KEY).listen();
  });
  afterAll(() => vapi.close());
  beforeEach(() => {
    vapi.requests.length = 0;
    vapi.calls.clear();
  });

  const client = (env: Record<string, string> = {}): VapiApiClient =>
    new VapiApiClient(
      loadConfig({
        VAPI_API_KEY: API_KEY,
        VAPI_API_URL: `${vapi.url}/`,
        VAPI_API_TIMEOUT_MS: '500',
        ...env,
      }),
    );

  async function failure(promise: Promise<unknown>): Promise<VapiApiError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VapiApiError);
    const message = (error as VapiApiError).message;
    expect(message).not.toContain(API_KEY);
    expect(message).not.toContain('\n');
    return error as VapiApiError;
  }

  it('sends the key as a Bearer token to the configured base URL and returns the call', async () => {
    const updatedAt = '2026-03-12T15:05:16.394Z';
    vapi.putCall({ id: 'call-1', status: 'ended', updatedAt, createdAt: updatedAt });
    const call = await client().getCall('call-1');
    expect(call).toMatchObject({ id: 'call-1', status: 'ended' });
    expect(vapi.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/call/call-1',
        authorization: `Bearer ${API_KEY}`,
      }),
    ]);
    expect(await client().getCall('unknown')).toBeNull();
  });

  it('lists calls by updatedAt window with the limit', async () => {
    for (let i = 0; i < 5; i++) {
      const at = new Date(Date.UTC(2026, 2, 12, 15, 0, i)).toISOString();
      vapi.putCall({ id: `c${i}`, updatedAt: at, createdAt: at });
    }
    const calls = await client().listCallsUpdated({
      after: '2026-03-12T15:00:01.000Z',
      atOrBefore: '2026-03-12T15:00:03.000Z',
      limit: 10,
    });
    expect(calls.map((c) => c.id).sort()).toEqual(['c2', 'c3']);
    expect(vapi.requests[0].query).toEqual({
      updatedAtGt: '2026-03-12T15:00:01.000Z',
      updatedAtLe: '2026-03-12T15:00:03.000Z',
      limit: '10',
    });
  });

  it('turns 401 into one line naming VAPI_API_KEY', async () => {
    const error = await failure(client({ VAPI_API_KEY: 'wrong-key' }).getAssistant('a-1'));
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      "GET assistant a-1: VAPI refused the API key (401); set VAPI_API_KEY to the organisation's private key",
    );
  });

  it('turns 404 into "not found"', async () => {
    const error = await failure(client().getAssistant('missing'));
    expect(error.message).toBe('GET assistant missing: not found at VAPI (404)');
  });

  it('turns 422 into the rejection with VAPI’s messages, and does not retry a write', async () => {
    vapi.fail({
      method: 'PATCH',
      status: 422,
      body: errorBody(422, ['server.url must be a URL address', 'serverMessages must be an array']),
    });
    const assistant = vapi.addAssistant();
    const error = await failure(
      client().updateAssistant(assistant.id, { server: { url: 'x' }, serverMessages: [] }),
    );
    expect(error.message).toBe(
      `PATCH assistant ${assistant.id}: VAPI rejected the request (422): server.url must be a URL address; serverMessages must be an array`,
    );
    expect(vapi.writes()).toHaveLength(1);
  });

  it('waits for Retry-After on 429 and then succeeds, holding back other requests meanwhile', async () => {
    vapi.putCall({ id: 'call-2', updatedAt: new Date().toISOString() });
    vapi.fail({ path: /^\/call\/call-2$/, status: 429, headers: { 'retry-after': '1' } });
    const api = client();
    const started = Date.now();
    const [call] = await Promise.all([
      api.getCall('call-2'),
      // Issued while the first waits out its Retry-After: it waits too.
      new Promise((resolve) => setTimeout(resolve, 200)).then(() => api.getCall('call-2')),
    ]);
    expect(call?.id).toBe('call-2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(api.rateLimited).toBe(1);
    const times = vapi.requests.map((r) => r.path);
    expect(times).toEqual(['/call/call-2', '/call/call-2', '/call/call-2']);
  });

  it('gives up on 429 after VAPI_API_RETRIES, with one line saying when to come back', async () => {
    vapi.fail({ status: 429, headers: { 'retry-after': '0' }, times: 3 });
    const error = await failure(client({ VAPI_API_RETRIES: '2' }).listAssistants());
    expect(error.message).toBe(
      'GET assistants: VAPI rate limit (429), retry after 0 s; still limited after 2 retries, try again later',
    );
    expect(vapi.requests).toHaveLength(3);
  });

  it('does not sit out a Retry-After longer than a minute', async () => {
    vapi.fail({ status: 429, headers: { 'retry-after': '3600' } });
    const error = await failure(client().listAssistants());
    expect(error.message).toMatch(/^GET assistants: VAPI rate limit \(429\), retry after 3600 s/);
    expect(vapi.requests).toHaveLength(1);
  });

  it('retries a read after a 5xx, and reports a persistent one in one line', async () => {
    vapi.fail({ status: 503, times: 1 });
    expect(await client().listPhoneNumbers()).toEqual([]);
    expect(vapi.requests).toHaveLength(2);

    vapi.requests.length = 0;
    vapi.fail({ status: 502, body: errorBody(502, 'upstream timed out'), times: 2 });
    const error = await failure(client({ VAPI_API_RETRIES: '1' }).listPhoneNumbers());
    expect(error.message).toBe(
      'GET phone numbers: VAPI failed (502): upstream timed out; try again later',
    );
    expect(vapi.requests).toHaveLength(2);
  });

  it('reports a timeout and an unreachable host in one line', async () => {
    vapi.fail({ status: 200, delayMs: 1500 });
    const slow = await failure(client({ VAPI_API_RETRIES: '0' }).getCall('slow'));
    expect(slow.message).toBe('GET call slow: no answer within 500 ms from VAPI');

    const closed = new VapiApiClient(
      loadConfig({
        VAPI_API_KEY: API_KEY,
        VAPI_API_URL: 'http://127.0.0.1:9',
        VAPI_API_RETRIES: '0',
      }),
    );
    const unreachable = await failure(closed.getCall('x'));
    expect(unreachable.message).toMatch(
      /^GET call x: cannot reach VAPI at http:\/\/127\.0\.0\.1:9 \(/,
    );
  });

  it('keeps at most VAPI_API_CONCURRENCY requests in flight', async () => {
    // Its own fake: an earlier test's abandoned slow request must not count.
    const own = await new FakeVapi(API_KEY).listen();
    try {
      for (let i = 0; i < 6; i++) own.fail({ status: 200, body: { id: 'c' }, delayMs: 150 });
      const api = new VapiApiClient(
        loadConfig({ VAPI_API_KEY: API_KEY, VAPI_API_URL: own.url, VAPI_API_CONCURRENCY: '2' }),
      );
      const calls = await Promise.all(Array.from({ length: 6 }, () => api.getCall('c')));
      expect(calls.map((c) => c?.id)).toEqual(['c', 'c', 'c', 'c', 'c', 'c']);
      expect(own.requests).toHaveLength(6);
      expect(own.maxConcurrent).toBe(2);
    } finally {
      await own.close();
    }
  });

  it('creates an HMAC webhook credential through the passthrough', async () => {
    const created = await client().createHmacCredential('vapi-hooks default', {
      secretKey: 'a-secret-of-enough-length',
      algorithm: 'sha256',
    });
    expect(created).toMatchObject({
      provider: 'webhook',
      name: 'vapi-hooks default',
      authenticationPlan: { type: 'hmac', algorithm: 'sha256' },
    });
    expect(vapi.credentials.get(created.id)?.authenticationPlan).toMatchObject({
      secretKey: 'a-secret-of-enough-length',
    });
    expect(await client().getCredential(created.id)).toMatchObject({ id: created.id });
    expect(await client().getCredential('nope')).toBeNull();
  });
});
