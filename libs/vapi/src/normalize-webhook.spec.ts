import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CallEvent, CallEventKind, CallStatus } from './call-event';
import { identifyWebhook, normalizeWebhook } from './normalize-webhook';
import { WebhookValidationError } from './webhook-validation.error';

const FIXTURE_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'vapi');
const CALL_ID = 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
const NO_ANSWER_CALL_ID = '5e9b1a7c-3d2f-4b8e-a6c1-9f0e2d4b6a83';
const RECORDING = 'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const webhookFixtureNames = (): string[] =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.response.json'))
    .filter((f) => f !== 'hmac-vector.json')
    .sort();
const load = (name: string): Json =>
  JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as Json;
const normalize = (name: string): CallEvent => normalizeWebhook(load(name));

interface Expected {
  kind: CallEventKind;
  messageType: string;
  callId: string;
  occurredAt: string | null;
  status?: CallStatus;
  endedReason?: string;
}

const EXPECTED: Record<string, Expected> = {
  'assistant-request.json': {
    kind: 'assistant-request',
    messageType: 'assistant-request',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:05.263Z',
  },
  'conversation-update.json': {
    kind: 'conversation-update',
    messageType: 'conversation-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:29.491Z',
  },
  'end-of-call-report-no-answer.json': {
    kind: 'end-of-call-report',
    messageType: 'end-of-call-report',
    callId: NO_ANSWER_CALL_ID,
    occurredAt: '2026-03-12T16:20:33.351Z',
    status: 'ended',
    endedReason: 'customer-did-not-answer',
  },
  'end-of-call-report.json': {
    kind: 'end-of-call-report',
    messageType: 'end-of-call-report',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:05:16.626Z',
    status: 'ended',
    endedReason: 'customer-ended-call',
  },
  'hang.json': {
    kind: 'hang',
    messageType: 'hang',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:40.991Z',
  },
  'hmac-vector.body.json': {
    kind: 'status-update',
    messageType: 'status-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:05:07.334Z',
    status: 'ended',
    endedReason: 'customer-ended-call',
  },
  'seed-call-ended.json': {
    kind: 'end-of-call-report',
    messageType: 'call.ended',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:05:07.214Z',
    status: 'ended',
  },
  'seed-call-failed.json': {
    kind: 'status-update',
    messageType: 'call.failed',
    callId: NO_ANSWER_CALL_ID,
    occurredAt: '2026-03-12T16:20:31.047Z',
    status: 'ended',
    endedReason: 'no-answer',
  },
  'seed-call-started.json': {
    kind: 'status-update',
    messageType: 'call.started',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:09.871Z',
    status: 'in-progress',
  },
  'seed-recording-ready.json': {
    kind: 'recording-ready',
    messageType: 'recording.ready',
    callId: CALL_ID,
    occurredAt: null,
  },
  'seed-transcript-updated.json': {
    kind: 'conversation-update',
    messageType: 'transcript.updated',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:20.521Z',
  },
  'speech-update-stopped.json': {
    kind: 'speech-update',
    messageType: 'speech-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:24.721Z',
  },
  'speech-update.json': {
    kind: 'speech-update',
    messageType: 'speech-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:15.851Z',
  },
  'status-update-ended.json': {
    kind: 'status-update',
    messageType: 'status-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:05:07.334Z',
    status: 'ended',
    endedReason: 'customer-ended-call',
  },
  'status-update-in-progress.json': {
    kind: 'status-update',
    messageType: 'status-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:09.906Z',
    status: 'in-progress',
  },
  'status-update-ringing.json': {
    kind: 'status-update',
    messageType: 'status-update',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:05.935Z',
    status: 'ringing',
  },
  'tool-calls.json': {
    kind: 'tool-calls',
    messageType: 'tool-calls',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:39.511Z',
  },
  'transcript-final.json': {
    kind: 'transcript',
    messageType: 'transcript',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:19.711Z',
  },
  'transcript-partial.json': {
    kind: 'transcript',
    messageType: 'transcript',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:16.771Z',
  },
  'transfer-destination-request.json': {
    kind: 'transfer-destination-request',
    messageType: 'transfer-destination-request',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:45.871Z',
  },
  'user-interrupted.json': {
    kind: 'user-interrupted',
    messageType: 'user-interrupted',
    callId: CALL_ID,
    occurredAt: '2026-03-12T15:04:57.071Z',
  },
};

/** Same keys, every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

/** Both the intake's identification and the worker's normalisation refuse it alike. */
function expectValidationError(body: unknown, message: string): void {
  for (const read of [normalizeWebhook, identifyWebhook]) {
    let caught: unknown;
    try {
      read(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebhookValidationError);
    expect((caught as Error).message).toBe(message);
  }
}

describe(identifyWebhook.name, () => {
  it.each(webhookFixtureNames())('gives %s the kind, call and key normalisation gives', (name) => {
    const event = normalize(name);
    expect(identifyWebhook(load(name))).toEqual({
      dedupKey: event.dedupKey,
      kind: event.kind,
      messageType: event.messageType,
      callId: event.callId,
    });
  });
});

describe(normalizeWebhook.name, () => {
  it('has an expectation for every webhook fixture in test/fixtures/vapi', () => {
    expect(webhookFixtureNames()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    it('normalises to the expected kind, call id, time and status', () => {
      const event = normalize(name);
      expect(event).toMatchObject(expected);
      if (!('status' in expected)) expect(event.status).toBeUndefined();
      if (!('endedReason' in expected)) expect(event.endedReason).toBeUndefined();
    });

    it('gives a 64-char hex dedup key that survives a redelivery with keys reordered', () => {
      const event = normalize(name);
      expect(event.dedupKey).toMatch(/^[a-f0-9]{64}$/);
      const reordered = normalizeWebhook(reverseKeys(load(name)));
      expect(reordered.dedupKey).toBe(event.dedupKey);
      expect(reordered).toEqual(event);
    });

    it('takes a key already derived instead of hashing again, and changes nothing else', () => {
      const event = normalize(name);
      const known = normalizeWebhook(load(name), 'tenant-a/' + event.dedupKey);
      expect(known).toEqual({ ...event, dedupKey: 'tenant-a/' + event.dedupKey });
    });

    it('does not mutate the body', () => {
      const body = load(name);
      const before = JSON.stringify(body);
      normalizeWebhook(body);
      expect(JSON.stringify(body)).toBe(before);
    });
  });

  describe('end-of-call-report', () => {
    const event = normalize('end-of-call-report.json');
    const report = event.report!;

    it('reads the report fields, preferring analysis and artifact', () => {
      expect(report).toMatchObject({
        endedReason: 'customer-ended-call',
        durationSeconds: 57.343,
        cost: '0.0971',
        summary: expect.stringMatching(/^Dana Whitfield called to move her Friday/) as string,
        structuredData: { intent: 'reschedule', newSlot: '2026-03-14T10:30', resolved: true },
        successEvaluation: 'true',
        transcriptText: expect.stringMatching(/^AI: Thanks for calling .*\nUser: Hi,/s) as string,
      });
      expect(report.costs).toHaveLength(8);
      expect(report.costBreakdown).toMatchObject({ total: 0.0971, llmPromptTokens: 9412 });
    });

    it('keeps the 11 spoken turns, drops system and tool messages, and renames bot', () => {
      const transcript = report.transcript!;
      expect(transcript).toHaveLength(11);
      expect(transcript[0]).toEqual({
        role: 'assistant',
        text: 'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
        secondsFromStart: 0.42,
        durationSeconds: 4.31,
      });
      expect(transcript[1]).toMatchObject({
        role: 'user',
        secondsFromStart: 5.98,
        durationSeconds: 3.72,
      });
      expect(transcript[10]).toEqual({
        role: 'assistant',
        text: 'You are welcome, Dana. Have a great day!',
        secondsFromStart: 53.11,
        durationSeconds: 2.48,
      });
      expect(new Set(transcript.map((u) => u.role))).toEqual(new Set(['assistant', 'user']));
      expect(transcript.map((u) => u.text)).not.toContain('');
    });

    it('collects one recording per kind from the artifact', () => {
      const expected = [
        { kind: 'mono', url: `${RECORDING}-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav` },
        { kind: 'stereo', url: `${RECORDING}-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav` },
        { kind: 'assistant', url: `${RECORDING}-4b8e1d6a-9c2f-4a7e-b3d5-6f0c9e2a8b17-mono.wav` },
        { kind: 'customer', url: `${RECORDING}-7c2a9e4f-1b6d-4c8a-9e3f-2d5b8a0c6e94-mono.wav` },
      ];
      expect(report.recordings).toEqual(expected);
      expect(event.recordings).toEqual(expected);
    });

    it('never takes presigned URLs', () => {
      const body = load('end-of-call-report.json');
      delete body.message.artifact.recordingUrl;
      delete body.message.artifact.recording.mono.combinedUrl;
      delete body.message.recordingUrl;
      delete body.message.call.artifact;
      body.message.artifact.presignedRecordingUrl = 'https://s3.example/mono.wav?X-Amz-Signature=a';
      body.message.artifact.recording.mono.presignedCombinedUrl = 'https://s3.example/m?sig=b';
      const urls = normalizeWebhook(body).recordings!.map((r) => r.url);
      expect(urls).toHaveLength(3);
      expect(urls.join(' ')).not.toContain('s3.example');
    });

    it('fills call facts from the call and the report times', () => {
      expect(event.call).toEqual({
        type: 'inboundPhoneCall',
        assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
        phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
        customerNumber: '+14155550123',
        createdAt: '2026-03-12T15:04:05.123Z',
        startedAt: '2026-03-12T15:04:09.871Z',
        endedAt: '2026-03-12T15:05:07.214Z',
      });
    });

    it('prefers analysis.summary over the legacy top-level summary', () => {
      const body = load('end-of-call-report.json');
      body.message.summary = 'Stale top-level summary';
      expect(normalizeWebhook(body).report!.summary).toMatch(/^Dana Whitfield called/);
    });

    it('uses the legacy top-level fields when artifact and analysis are missing', () => {
      const body = load('end-of-call-report.json');
      delete body.message.artifact;
      delete body.message.analysis;
      delete body.message.call;
      body.message.call = { id: CALL_ID };
      body.message.summary = 'Top-level summary';
      const legacy = normalizeWebhook(body).report!;
      expect(legacy.summary).toBe('Top-level summary');
      expect(legacy.transcript).toHaveLength(11);
      expect(legacy.transcript![0].role).toBe('assistant');
      expect(legacy.transcriptText).toMatch(/^AI: Thanks for calling/);
      expect(legacy.recordings).toEqual([
        { kind: 'mono', url: `${RECORDING}-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav` },
        { kind: 'stereo', url: `${RECORDING}-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav` },
      ]);
      expect(legacy.successEvaluation).toBeUndefined();
      expect(legacy.structuredData).toBeUndefined();
    });

    it('derives the duration from durationMs, then from startedAt/endedAt', () => {
      const body = load('end-of-call-report.json');
      delete body.message.durationSeconds;
      body.message.durationMs = 12_345;
      expect(normalizeWebhook(body).report!.durationSeconds).toBe(12.345);
      delete body.message.durationMs;
      body.message.endedAt = '2026-03-12T15:05:10.000Z';
      expect(normalizeWebhook(body).report!.durationSeconds).toBe(60.129);
    });

    it('reports an unanswered call with no transcript, duration or recordings', () => {
      const noAnswer = normalize('end-of-call-report-no-answer.json');
      expect(noAnswer.report).toEqual({
        endedReason: 'customer-did-not-answer',
        cost: '0.0031',
        costs: expect.any(Array) as unknown[],
        transcript: [],
      });
      expect(noAnswer.recordings).toBeUndefined();
      expect(noAnswer.call.startedAt).toBeUndefined();
      expect(noAnswer.call.endedAt).toBe('2026-03-12T16:20:31.047Z');
    });
  });

  it('falls back to the message-level customer, assistant and phoneNumber for call facts', () => {
    const body = load('assistant-request.json');
    body.message.call = { id: CALL_ID };
    body.message.assistant = { id: 'asst-from-message' };
    expect(normalizeWebhook(body).call).toEqual({
      assistantId: 'asst-from-message',
      phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
      customerNumber: '+14155550123',
    });
  });

  describe('legacy (seed) format', () => {
    it('normalises call.ended like the end-of-call report of the same call', () => {
      const seed = normalize('seed-call-ended.json');
      const real = normalize('end-of-call-report.json');
      expect(seed.kind).toBe(real.kind);
      expect(seed.callId).toBe(real.callId);
      expect(seed.status).toBe(real.status);
      expect(seed.report!.transcript!.map((u) => [u.role, u.text])).toEqual(
        real.report!.transcript!.map((u) => [u.role, u.text]),
      );
      expect(seed.report!.cost).toBe('0.0971');
      expect(seed.report!.durationSeconds).toBe(57);
      expect(seed.recordings).toEqual([real.recordings![0]]);
      expect(seed.dedupKey).toBe(real.dedupKey);
    });

    it('derives secondsFromStart of call.ended transcript items from startedAt', () => {
      const transcript = normalize('seed-call-ended.json').report!.transcript!;
      expect(transcript[0]).toEqual({
        role: 'assistant',
        text: 'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
        secondsFromStart: 0.42,
        durationSeconds: null,
      });
      expect(transcript[10].secondsFromStart).toBe(53.11);
    });

    it('turns call.failed into an ended status-update flagged failed, with endReason', () => {
      const event = normalize('seed-call-failed.json');
      expect(event).toMatchObject({
        kind: 'status-update',
        status: 'ended',
        failed: true,
        endedReason: 'no-answer',
        call: {
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          endedAt: '2026-03-12T16:20:31.047Z',
        },
      });
    });

    it('turns call.started into in-progress with the call facts it carries', () => {
      const seed = normalize('seed-call-started.json');
      expect(seed.call).toEqual({
        assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
        phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
        customerNumber: '+14155550123',
        startedAt: '2026-03-12T15:04:09.871Z',
      });
      expect(seed.dedupKey).toBe(normalize('status-update-in-progress.json').dedupKey);
    });

    it('turns transcript.updated into a conversation-update history', () => {
      const history = normalize('seed-transcript-updated.json').history!;
      expect(history.map((u) => u.role)).toEqual(['assistant', 'user', 'assistant']);
      expect(history[2].text).toMatch(/^No problem\./);
      expect(history[0].secondsFromStart).toBeNull();
    });

    it('turns recording.ready into a recording-ready event', () => {
      expect(normalize('seed-recording-ready.json').recordings).toEqual([
        { kind: 'mono', url: `${RECORDING}-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav` },
      ]);
      const body = load('seed-recording-ready.json');
      body.call.stereoRecordingUrl = 'https://storage.vapi.ai/x-stereo.wav';
      expect(normalizeWebhook(body).recordings).toContainEqual({
        kind: 'stereo',
        url: 'https://storage.vapi.ai/x-stereo.wav',
      });
    });

    it('uses endedReason on call.ended when the sender gives one', () => {
      const body = load('seed-call-ended.json');
      body.call.endedReason = 'customer-ended-call';
      expect(normalizeWebhook(body)).toMatchObject({
        endedReason: 'customer-ended-call',
        report: { endedReason: 'customer-ended-call' },
      });
    });
  });

  describe('transcripts and conversation updates', () => {
    it('flags a partial transcript and keeps its utterance', () => {
      const event = normalize('transcript-partial.json');
      expect(event.partial).toBe(true);
      expect(event.utterance).toEqual({
        role: 'user',
        text: 'Hi, I need to move my cleaning',
        secondsFromStart: null,
        durationSeconds: null,
      });
    });

    it('reads a final transcript as not partial', () => {
      const event = normalize('transcript-final.json');
      expect(event.partial).toBe(false);
      expect(event.utterance?.text).toBe(
        'Hi, I need to move my cleaning on Friday. Something came up at work.',
      );
    });

    it('accepts the transcript[transcriptType="final"] type string as a final transcript', () => {
      const body = load('transcript-final.json');
      body.message.type = 'transcript[transcriptType="final"]';
      delete body.message.transcriptType;
      const event = normalizeWebhook(body);
      expect(event).toMatchObject({
        kind: 'transcript',
        messageType: 'transcript[transcriptType="final"]',
        partial: false,
        utterance: { role: 'user' },
      });
    });

    it('renames bot to assistant in a transcript message', () => {
      const body = load('transcript-final.json');
      body.message.role = 'bot';
      expect(normalizeWebhook(body).utterance?.role).toBe('assistant');
    });

    it('builds conversation-update history from spoken messages only', () => {
      const history = normalize('conversation-update.json').history!;
      expect(history.map((u) => u.role)).toEqual(['assistant', 'user', 'assistant', 'user']);
      expect(history[3]).toEqual({
        role: 'user',
        text: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
        secondsFromStart: 16.21,
        durationSeconds: 3.35,
      });
    });
  });

  describe('timestamps', () => {
    const withTimestamp = (timestamp: unknown): CallEvent => {
      const body = load('hang.json');
      body.message.timestamp = timestamp;
      return normalizeWebhook(body);
    };

    it('accepts epoch ms as a number or a numeric string, and epoch seconds', () => {
      expect(withTimestamp('1773327880991').occurredAt).toBe('2026-03-12T15:04:40.991Z');
      expect(withTimestamp('1773327880').occurredAt).toBe('2026-03-12T15:04:40.000Z');
      expect(withTimestamp(1773327880.5).occurredAt).toBe('2026-03-12T15:04:40.500Z');
    });

    it('accepts ISO strings and normalises them to UTC', () => {
      expect(withTimestamp('2026-03-12T16:04:40.991+01:00').occurredAt).toBe(
        '2026-03-12T15:04:40.991Z',
      );
    });

    it('gives null for a missing or unusable timestamp', () => {
      expect(withTimestamp(undefined).occurredAt).toBeNull();
      expect(withTimestamp('yesterday').occurredAt).toBeNull();
    });
  });

  describe('unknown input that is still accepted', () => {
    it.each(['model-output', 'voice-input', 'transfer-update', 'something-new', 'constructor'])(
      'records %s as kind other',
      (type) => {
        const body = load('hang.json');
        body.message.type = type;
        expect(normalizeWebhook(body)).toMatchObject({
          kind: 'other',
          messageType: type,
          callId: CALL_ID,
        });
      },
    );

    it('records an unknown type without a call, with a null call id', () => {
      const event = normalizeWebhook({
        message: { type: 'chat.created', timestamp: 1773327880991 },
      });
      expect(event).toMatchObject({ kind: 'other', callId: null, call: {} });
    });

    it.each(['not-found', 'deletion-failed'])(
      'records a status-update with status %s as kind other, without a status',
      (status) => {
        const body = load('status-update-ringing.json');
        body.message.status = status;
        const event = normalizeWebhook(body);
        expect(event).toMatchObject({ kind: 'other', messageType: 'status-update' });
        expect(event.status).toBeUndefined();
      },
    );
  });

  describe('rejects', () => {
    const withoutCallId = (name: string): Json => {
      const body = load(name);
      delete (body.message ?? body).call.id;
      return body;
    };

    it.each([
      ['a JSON array', [], 'body must be a JSON object'],
      ['null', null, 'body must be a JSON object'],
      ['a string', 'hello', 'body must be a JSON object'],
      [
        'an object in neither format',
        { event: 'call.started' },
        'body must have a "message" object (VAPI format) or a "type" and "call" (legacy format)',
      ],
      ['a non-object message', { message: 'hi' }, 'message must be a JSON object'],
      [
        'a missing message.type',
        { message: { call: { id: 'x' } } },
        'message.type must be a non-empty string',
      ],
      [
        'an empty message.type',
        { message: { type: ' ' } },
        'message.type must be a non-empty string',
      ],
      [
        'a numeric message.type',
        { message: { type: 7 } },
        'message.type must be a non-empty string',
      ],
      ['an empty legacy type', { type: '', call: { id: 'x' } }, 'type must be a non-empty string'],
      [
        'an unknown legacy type',
        { type: 'call.foo', call: { id: 'x' } },
        'unknown legacy event type call.foo',
      ],
      [
        'a status-update without status',
        { message: { type: 'status-update', call: { id: 'x' } } },
        'message.status is required for status-update',
      ],
    ])('%s', (_label, body, message) => expectValidationError(body, message));

    it.each([
      'status-update-ringing.json',
      'end-of-call-report.json',
      'transcript-final.json',
      'conversation-update.json',
    ])('%s without a call id', (name) => {
      const type = load(name).message.type as string;
      expectValidationError(withoutCallId(name), `message.call.id is required for ${type}`);
    });

    it('a transcript subscription type without a call id', () => {
      expectValidationError(
        { message: { type: 'transcript[transcriptType="final"]', transcript: 'hi' } },
        'message.call.id is required for transcript[transcriptType="final"]',
      );
    });

    it.each([
      'seed-call-started.json',
      'seed-call-ended.json',
      'seed-call-failed.json',
      'seed-transcript-updated.json',
      'seed-recording-ready.json',
    ])('legacy %s without a call id', (name) => {
      const type = load(name).type as string;
      expectValidationError(withoutCallId(name), `call.id is required for ${type}`);
      expectValidationError({ type }, `call.id is required for ${type}`);
    });
  });

  describe('dedup keys', () => {
    // The same event in another wire format, or the same bytes under another name, must share a key.
    const SAME_EVENT: Record<string, string> = {
      'hmac-vector.body.json': 'status-update-ended.json',
      'seed-call-ended.json': 'end-of-call-report.json',
      'seed-call-started.json': 'status-update-in-progress.json',
    };

    it('gives distinct keys to distinct fixtures and equal keys to equivalent ones', () => {
      const keys = new Map(webhookFixtureNames().map((name) => [name, normalize(name).dedupKey]));
      for (const [name, same] of Object.entries(SAME_EVENT)) {
        expect(keys.get(name)).toBe(keys.get(same));
      }
      const distinct = [...keys].filter(([name]) => !(name in SAME_EVENT)).map(([, key]) => key);
      expect(new Set(distinct).size).toBe(distinct.length);
    });

    it.each([
      'end-of-call-report.json',
      'hang.json',
      'tool-calls.json',
      'status-update-ended.json',
    ])('ignores presigned URLs and artifact changes in %s', (name) => {
      const first = load(name);
      const second = load(name);
      for (const [body, sig] of [
        [first, 'first'],
        [second, 'second'],
      ] as const) {
        body.message.presignedRecordingUrl = `https://s3.example/a.wav?sig=${sig}`;
        body.message.artifact = {
          ...body.message.artifact,
          presignedStereoUrl: `https://s3.example/b?${sig}`,
        };
        body.message.call.artifact = { recording: { presignedUrl: `https://s3.example/c?${sig}` } };
      }
      expect(normalizeWebhook(second).dedupKey).toBe(normalizeWebhook(first).dedupKey);
      expect(normalizeWebhook(first).dedupKey).toBe(normalize(name).dedupKey);
    });

    it('separates partial and final transcripts of the same utterance text', () => {
      const partial = load('transcript-partial.json');
      const final = load('transcript-partial.json');
      final.message.transcriptType = 'final';
      expect(normalizeWebhook(partial).dedupKey).not.toBe(normalizeWebhook(final).dedupKey);
    });

    it('separates status-updates of one call by status and by ended reason', () => {
      const body = load('status-update-ended.json');
      const ended = normalizeWebhook(body).dedupKey;
      body.message.endedReason = 'silence-timed-out';
      expect(normalizeWebhook(body).dedupKey).not.toBe(ended);
    });

    it('ignores the delivery time of a status-update (one per status per call)', () => {
      const body = load('status-update-ringing.json');
      const first = normalizeWebhook(body).dedupKey;
      body.message.timestamp += 5_000;
      expect(normalizeWebhook(body).dedupKey).toBe(first);
    });

    it('separates two hang messages of one call by time', () => {
      const body = load('hang.json');
      const first = normalizeWebhook(body).dedupKey;
      body.message.timestamp += 5_000;
      expect(normalizeWebhook(body).dedupKey).not.toBe(first);
    });

    it('separates conversation-updates by history', () => {
      const body = load('conversation-update.json');
      const first = normalizeWebhook(body).dedupKey;
      (body.message.messages as unknown[]).pop();
      expect(normalizeWebhook(body).dedupKey).not.toBe(first);
    });

    it('separates two calls that send the same message', () => {
      const body = load('end-of-call-report.json');
      const first = normalizeWebhook(body).dedupKey;
      body.message.call.id = NO_ANSWER_CALL_ID;
      expect(normalizeWebhook(body).dedupKey).not.toBe(first);
    });
  });
});

describe('call ids', () => {
  it.each([
    [
      { message: { type: 'status-update', status: 'ringing', call: { id: 'acme/call-1' } } },
      'message.call.id',
    ],
    [{ type: 'call.started', call: { id: 'acme/call-1' } }, 'call.id'],
  ])('refuses a call id with a slash (it would name another tenant’s call)', (body, field) => {
    expect(() => normalizeWebhook(body)).toThrow(`${field} must not contain '/'`);
  });
});
