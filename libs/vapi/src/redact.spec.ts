import { REDACTED, redactInPlace, redactPayload } from './redact';

describe(redactPayload.name, () => {
  const body = {
    message: {
      type: 'status-update',
      phoneNumber: {
        id: 'pn-1',
        provider: 'twilio',
        number: '+14155550199',
        twilioAccountSid: 'AC0123456789abcdef0123456789abcdef',
        twilioAuthToken: 'twilio-auth-token-value',
        twilioApiKey: 'SK-api-key-value',
        twilioApiSecret: 'api-secret-value',
        server: { url: 'https://a.example/hook', secret: 'inline-server-secret' },
      },
      assistant: {
        serverUrlSecret: 'legacy-url-secret',
        server: {
          url: 'https://a.example/hook',
          credentialId: 'cred-uuid-1',
          headers: { 'x-tenant': 'acme', Authorization: 'Bearer header-token' },
          timeoutSeconds: 20,
        },
        credentialIds: ['cred-uuid-2'],
        model: { provider: 'openai', maxTokens: 250 },
        credentials: [{ provider: 'openai', apiKey: 'sk-live-value' }],
      },
      vonage: { credentialId: 'vonage-cred', privateKey: '-----BEGIN PRIVATE KEY-----' },
      oauth: { clientSecret: 'client-secret-value', password: 'hunter2', api_key: 'k' },
      costBreakdown: { llmPromptTokens: 9412, llmCompletionTokens: 318, ttsCharacters: 612 },
      costs: [
        { type: 'model', promptTokens: 9412, completionTokens: 318, cachedPromptTokens: 5120 },
      ],
      customer: { number: '+14155550123' },
    },
  };

  const redacted = redactPayload(body) as typeof body;
  const text = JSON.stringify(redacted);

  it.each([
    'AC0123456789abcdef0123456789abcdef',
    'twilio-auth-token-value',
    'SK-api-key-value',
    'api-secret-value',
    'inline-server-secret',
    'legacy-url-secret',
    'cred-uuid-1',
    'cred-uuid-2',
    'header-token',
    'acme',
    'sk-live-value',
    'vonage-cred',
    'BEGIN PRIVATE KEY',
    'client-secret-value',
    'hunter2',
  ])('removes %s', (secret) => {
    expect(text).not.toContain(secret);
  });

  it('replaces credential values with the marker and keeps header names', () => {
    expect(redacted.message.phoneNumber.twilioAuthToken).toBe(REDACTED);
    expect(redacted.message.phoneNumber.server).toEqual({
      url: 'https://a.example/hook',
      secret: REDACTED,
    });
    expect(redacted.message.assistant.server.headers).toEqual({
      'x-tenant': REDACTED,
      Authorization: REDACTED,
    });
    expect(redacted.message.assistant.credentials).toBe(REDACTED);
  });

  it('keeps token counters, other numbers and ordinary fields', () => {
    expect(redacted.message.costBreakdown).toEqual(body.message.costBreakdown);
    expect(redacted.message.costs).toEqual(body.message.costs);
    expect(redacted.message.assistant.model).toEqual({ provider: 'openai', maxTokens: 250 });
    expect(redacted.message.assistant.server.timeoutSeconds).toBe(20);
    expect(redacted.message.phoneNumber.number).toBe('+14155550199');
    expect(redacted.message.customer).toEqual({ number: '+14155550123' });
  });

  it('keeps counters named *Tokens even when a sender quotes them as strings', () => {
    expect(
      redactPayload({ promptTokens: '9412', usage: { completionTokens: { total: 3 } } }),
    ).toEqual({ promptTokens: '9412', usage: { completionTokens: { total: 3 } } });
  });

  it('does not mutate its input', () => {
    const input = JSON.parse(JSON.stringify(body)) as typeof body;
    redactPayload(input);
    expect(input).toEqual(body);
    expect(input.message.phoneNumber.twilioAuthToken).toBe('twilio-auth-token-value');
  });

  it('returns a copy, not the same objects', () => {
    expect(redacted.message.customer).not.toBe(body.message.customer);
  });

  it('passes primitives and null through', () => {
    expect(redactPayload(null)).toBeNull();
    expect(redactPayload('text')).toBe('text');
    expect(redactPayload([1, { token: 'x' }])).toEqual([1, { token: REDACTED }]);
  });
});

describe(redactInPlace.name, () => {
  it('redacts the body it is given and returns it, keeping untouched objects as they are', () => {
    const messages = [{ role: 'user', message: 'my token is 1234' }];
    const body = {
      message: {
        type: 'end-of-call-report',
        artifact: { messages },
        call: { id: 'c1', phoneNumber: { twilioAuthToken: 'tw-secret', number: '+1' } },
      },
    };
    expect(redactInPlace(body)).toBe(body);
    expect(body.message.call.phoneNumber).toEqual({ twilioAuthToken: REDACTED, number: '+1' });
    // Transcripts are not where VAPI's types put credentials: not walked, not copied.
    expect(body.message.artifact.messages).toBe(messages);
  });

  it('redacts the Call of a legacy body like the call of a VAPI message', () => {
    const body = {
      type: 'call.ended',
      call: {
        id: 'c1',
        phoneNumber: { provider: 'twilio', twilioAccountSid: 'AC-legacy', twilioAuthToken: 'tok' },
        assistant: { server: { url: 'https://a.example', headers: { 'x-key': 'hdr' } } },
      },
    };
    const text = JSON.stringify(redactInPlace(body));
    for (const secret of ['AC-legacy', '"tok"', 'hdr']) expect(text).not.toContain(secret);
    expect(text).toContain('"x-key":"[redacted]"');
  });

  it('checks keys the SDK does not declare by name, at any depth below them', () => {
    const body = {
      message: { type: 'hang', somethingNew: { nested: [{ clientSecret: 'cs', count: 3 }] } },
    };
    redactInPlace(body);
    expect(body.message.somethingNew.nested[0]).toEqual({ clientSecret: REDACTED, count: 3 });
  });
});
