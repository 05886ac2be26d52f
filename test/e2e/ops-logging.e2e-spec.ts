import { fixtureBytes } from '../helpers/fixtures';
import { OpsApi, basicAuth, startOpsApi, stopOpsApi } from '../helpers/ops-api';

// nestjs-pino keeps the first logger of a process for lines logged outside a request, so this
// file starts exactly one app, with its lines captured here.

const LEGACY_SECRET = 'legacy-log-secret-91c4';
const BEARER = 'bearer-log-token-5e27';
const SIGNATURE = 'deadbeefcafe0123456789abcdef';
const COOKIE = 'session=cookie-value-77aa';
const SECRETS = [LEGACY_SECRET, BEARER, SIGNATURE, 'cookie-value-77aa', 'log-admin-pass-0d3f'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Line {
  level: string;
  time: string;
  app: string;
  msg?: string;
  context?: string;
  reqId?: string;
  req?: { url: string; headers: Record<string, string> };
  res?: { statusCode: number };
}

describe('structured logs of the api', () => {
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
  /** The one line pino-http writes when a request is answered ("request completed"/"errored"). */
  const completed = (reqId: string): Line | undefined =>
    lines().find((l) => l.reqId === reqId && l.res !== undefined);
  let h: OpsApi;

  beforeAll(async () => {
    h = await startOpsApi(
      {
        LOG_LEVEL: 'info',
        ADMIN_USERNAME: 'log-admin',
        ADMIN_PASSWORD: 'log-admin-pass-0d3f',
        VAPI_WEBHOOK_SECRET: LEGACY_SECRET,
        VAPI_WEBHOOK_BEARER_TOKEN: BEARER,
        VAPI_WEBHOOK_BEARER_HEADER: 'x-custom-auth',
        VAPI_WEBHOOK_HMAC_SECRET: 'hmac-log-secret',
        VAPI_WEBHOOK_HMAC_SIGNATURE_HEADER: 'x-my-signature',
        // Redis down: enqueues fail, which makes the app log from inside requests.
        REDIS_URL: 'redis://127.0.0.1:1',
        WEBHOOK_ENQUEUE_TIMEOUT_MS: '300',
      },
      { destination: { write: (line: string) => void raw.push(line) } },
    );
    // ...and the outbox unusable too, so intake fails (503) rather than keeping events there.
    await h.db.dataSource.query('DROP TABLE outbox');
  });
  afterAll(async () => stopOpsApi(h));

  const post = (name: string, headers: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url: '/api/webhook/vapi',
      payload: fixtureBytes(name),
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('writes every line, boot lines included, as JSON with level, time and app', () => {
    expect(raw.length).toBeGreaterThan(3);
    for (const line of lines()) {
      expect(line).toMatchObject({ app: 'api', level: expect.any(String) });
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 'warn', context: 'Bootstrap' }),
    );
  });

  it('puts the caller’s x-request-id on every line of its request and echoes it', async () => {
    const res = await post('tool-calls.json', {
      'x-vapi-secret': LEGACY_SECRET,
      'x-request-id': 'ops-log-req-1',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('ops-log-req-1');
    const mine = lines().filter((l) => l.reqId === 'ops-log-req-1');
    // The tool call is answered but cannot be recorded (Redis is down): logged inside the request.
    expect(mine).toContainEqual(
      expect.objectContaining({ level: 'error', context: 'WebhookIntakeService' }),
    );
    // Accepted webhooks complete at debug (the steady state under load): hidden at info.
    expect(completed('ops-log-req-1')).toBeUndefined();
    expect(lines().filter((l) => l.msg?.includes('could not record it'))).toHaveLength(1);
  });

  it.each([
    ['absent', {}],
    ['not sane', { 'x-request-id': 'has spaces and "quotes"' }],
  ])('generates a UUID request id when the incoming one is %s', async (_label, headers) => {
    const res = await post('hang.json', headers);
    expect(res.statusCode).toBe(401);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(UUID);
    expect(completed(id)).toMatchObject({ level: 'warn', res: { statusCode: 401 } });
  });

  it('never writes a credential header value, whichever header carries it', async () => {
    const requests: Record<string, string>[] = [
      { 'x-vapi-secret': LEGACY_SECRET, cookie: COOKIE, 'x-request-id': 'ops-secret-1' },
      { 'x-vapi-signature': LEGACY_SECRET, 'x-request-id': 'ops-secret-2' },
      { 'x-custom-auth': `Bearer ${BEARER}`, 'x-request-id': 'ops-secret-3' },
      { authorization: `Bearer ${BEARER}`, 'x-request-id': 'ops-secret-4' },
      { 'x-my-signature': SIGNATURE, 'x-timestamp': '1', 'x-request-id': 'ops-secret-5' },
      { 'x-signature': SIGNATURE, 'x-request-id': 'ops-secret-6' },
    ];
    for (const headers of requests) await post('status-update-ringing.json', headers);
    expect(completed('ops-secret-1')).toMatchObject({ level: 'error', res: { statusCode: 503 } });
    for (const secret of SECRETS) expect(raw.join('\n')).not.toContain(secret);
    const first = completed('ops-secret-1');
    expect(first?.req?.headers).toMatchObject({
      'x-vapi-secret': '[redacted]',
      cookie: '[redacted]',
      'content-type': 'application/json',
    });
    expect(completed('ops-secret-3')?.req?.headers['x-custom-auth']).toBe('[redacted]');
    expect(completed('ops-secret-5')?.req?.headers['x-my-signature']).toBe('[redacted]');
  });

  it('does not log probe requests one by one, but keeps the request id on their lines', async () => {
    const before = raw.length;
    for (const url of ['/health/live', '/metrics']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    const ready = await h.app.inject({
      method: 'GET',
      url: '/health/ready',
      headers: { 'x-request-id': 'ops-probe-1' },
    });
    expect(ready.statusCode).toBe(503);
    const added = lines().slice(before);
    expect(added.filter((l) => l.res !== undefined)).toEqual([]);
    // Terminus logs the failed check from inside the request.
    expect(added.filter((l) => l.reqId === 'ops-probe-1').length).toBeGreaterThan(0);
  });

  it('logs refused board requests and board actions with their request id', async () => {
    const refused = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(refused.statusCode).toBe(401);
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'QueueBoard',
        reqId: refused.headers['x-request-id'],
        url: '/admin/queues/api/queues',
      }),
    );
    const action = await h.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/call-events/no-such-job/retry',
      headers: { authorization: basicAuth('log-admin', 'log-admin-pass-0d3f') },
    });
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'board action',
        method: 'PUT',
        reqId: action.headers['x-request-id'],
      }),
    );
    expect(raw.join('\n')).not.toContain('log-admin-pass-0d3f');
  });
});
