import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { deliverAll } from '../helpers/load';
import { runCli } from '../helpers/processes';
import { Drill, REDIS_URL, statusCounts } from './harness';

/** Distinctive values, so finding one anywhere can only mean it leaked. */
const SECRETS = {
  legacySecret: 'drill-legacy-secret-4c1e9a7b',
  bearerToken: 'drill-bearer-token-8d2f6b31',
  vapiApiKey: 'drill-vapi-api-key-2b7e5c90',
  adminPassword: 'drill-admin-password-6a3d1f48',
  readApiToken: 'drill-read-api-token-9e4c2a15',
  twilioAccountSid: 'AC5f0e1d2c3b4a59687a6b5c4d3e2f1a0b',
  twilioAuthToken: 'drill-twilio-auth-token-1f9b3e7c',
  twilioApiSecret: 'drill-twilio-api-secret-7c5a2d94',
  secretsKey: randomBytes(32).toString('base64'),
} as const;

/** Adds Twilio credentials where VAPI puts them: on the phone number object, top level and in the call. */
function withTwilioCredentials(body: Buffer): Buffer {
  const parsed = JSON.parse(body.toString('utf8')) as {
    message: { phoneNumber?: Record<string, unknown>; call?: Record<string, unknown> };
  };
  const credentials = {
    twilioAccountSid: SECRETS.twilioAccountSid,
    twilioAuthToken: SECRETS.twilioAuthToken,
    twilioApiKey: 'SK' + SECRETS.twilioAccountSid.slice(2),
    twilioApiSecret: SECRETS.twilioApiSecret,
  };
  const { message } = parsed;
  message.phoneNumber = { ...(message.phoneNumber ?? {}), ...credentials };
  if (message.call) message.call.phoneNumber = { ...message.phoneNumber };
  return Buffer.from(JSON.stringify(parsed));
}

/** Every value under a key prefix, as text (strings, hashes, lists, sets, sorted sets, streams). */
async function dumpKeys(redisUrl: string, prefix: string): Promise<{ keys: number; text: string }> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        keys += 1;
        const type = await redis.type(key);
        const value: unknown =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1)
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        parts.push(key, JSON.stringify(value));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { keys, text: parts.join('\n') };
}

describe('drill 8: secrets stay out of logs, Redis and the database', () => {
  let drill: Drill;

  beforeAll(async () => {
    drill = await Drill.start({
      name: 'secrets',
      env: {
        // The most talkative level a production deployment would plausibly use.
        LOG_LEVEL: 'debug',
        VAPI_WEBHOOK_SECRET: SECRETS.legacySecret,
        VAPI_WEBHOOK_BEARER_TOKEN: SECRETS.bearerToken,
        VAPI_API_KEY: SECRETS.vapiApiKey,
        // Never reach the real VAPI from a test: a closed loopback port.
        VAPI_API_URL: 'http://127.0.0.1:9',
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: SECRETS.adminPassword,
        API_TOKENS: SECRETS.readApiToken,
        SECRETS_KEY: SECRETS.secretsKey,
      },
    });
  });
  afterAll(async () => drill?.dispose());

  it('finds no known secret anywhere after a run that used them all', async () => {
    const events = drill
      .workload(6)
      .map((event) => ({ ...event, body: withTwilioCredentials(event.body) }));
    expect(events[0].body.toString('utf8')).toContain(SECRETS.twilioAuthToken);

    // Every authentication scheme, accepted and refused, so each code path gets to log.
    const hmac = await deliverAll(drill.client, events, {
      concurrency: 4,
      hmacSecret: drill.hmacSecret,
    });
    const headerSets: Record<string, string>[] = [
      { 'x-vapi-secret': SECRETS.legacySecret },
      { authorization: `Bearer ${SECRETS.bearerToken}` },
      { 'x-vapi-secret': SECRETS.bearerToken },
      { authorization: `Bearer ${SECRETS.legacySecret}x` },
      { 'x-signature': 'f'.repeat(64), 'x-timestamp': '1' },
    ];
    const others: number[] = [];
    for (const headers of headerSets) {
      for (const event of events.slice(0, 10)) {
        others.push((await drill.client.post('/api/webhook/vapi', event.body, headers)).status);
      }
    }
    // Stored credentials and read tokens, made with the built CLI as an operator would.
    const cli = (...args: string[]) => runCli(args, drill.envFor('api'));
    const shownIn = (output: string): string => {
      const match = /\(shown once, store it now\): (\S+)/.exec(output);
      if (match === null) throw new Error(`nothing shown in:\n${output}`);
      return match[1];
    };
    await cli('tenants', 'add', 'acme');
    const stored = {
      acmeHmacSecret: shownIn(
        await cli('credentials', 'add', '--tenant', 'acme', '--kind', 'hmac'),
      ),
      acmeLegacySecret: shownIn(
        await cli('credentials', 'add', '--tenant', 'acme', '--kind', 'legacy-secret'),
      ),
      defaultReadToken: shownIn(await cli('tokens', 'create', '--tenant', 'default')),
      acmeReadToken: shownIn(await cli('tokens', 'create', '--tenant', 'acme')),
      revokedReadToken: shownIn(await cli('tokens', 'create', '--all')),
    };
    await cli('tokens', 'revoke', '--id', stored.revokedReadToken.split('_')[1]);
    others.push(
      (
        await drill.client.post('/api/webhook/vapi', events[0].body, {
          'x-vapi-secret': stored.acmeLegacySecret,
        })
      ).status,
    );
    const storedReads: number[] = [];
    for (const token of [stored.defaultReadToken, stored.acmeReadToken, stored.revokedReadToken]) {
      storedReads.push(
        (
          await drill.client.get(`/api/calls/${events[0].callId}`, {
            authorization: `Bearer ${token}`,
          })
        ).status,
      );
    }
    expect(storedReads).toEqual([200, 404, 401]);

    // The read API, with and without its token, on a call that carried credentials.
    const readApi = [
      await drill.client.get(`/api/calls/${events[0].callId}`, {
        authorization: `Bearer ${SECRETS.readApiToken}`,
      }),
      await drill.client.get(`/api/calls/${events[0].callId}`),
    ];
    const readApiText = readApi.map((r) => r.body ?? '').join('\n');
    await drill.drain();
    // Let the apps flush their logs on a clean shutdown before reading them.
    await drill.api?.stop();
    await drill.worker?.stop();

    const logs = `${drill.api?.logs() ?? ''}\n${drill.worker?.logs() ?? ''}`;
    const redis = await dumpKeys(REDIS_URL, drill.prefix);
    const tables = await drill.db.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    let database = '';
    for (const { table_name: table } of tables) {
      const rows = await drill.db.query<{ row: string }[]>(
        `SELECT t::text AS row FROM "${table}" t`,
      );
      database += rows.map((r) => r.row).join('\n');
    }
    const [{ payloads }] = await drill.db.query<{ payloads: string }[]>(
      'SELECT count(*) AS payloads FROM call_events WHERE payload IS NOT NULL',
    );

    const everything = { hmacSecret: drill.hmacSecret, ...SECRETS, ...stored };
    const leaks = Object.entries(everything).flatMap(([name, value]) =>
      (
        [
          ['logs', logs],
          ['redis', redis.text],
          ['database', database],
          ['read API', readApiText],
        ] as const
      )
        .filter(([, text]) => text.includes(value))
        .map(([where]) => `${name} in ${where}`),
    );
    drill.report({
      deliveries: statusCounts(hmac),
      otherSchemes: others.reduce<Record<number, number>>(
        (c, s) => ({ ...c, [s]: (c[s] ?? 0) + 1 }),
        {},
      ),
      readApi: readApi.map((r) => r.status),
      logBytes: logs.length,
      redisKeys: redis.keys,
      databaseBytes: database.length,
      storedPayloads: Number(payloads),
      leaks,
    });
    // The search covered real material: payloads were stored, jobs kept, logs written.
    expect(hmac.filter((d) => !d.acknowledged)).toEqual([]);
    expect(Number(payloads)).toBeGreaterThan(0);
    expect(redis.keys).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});
