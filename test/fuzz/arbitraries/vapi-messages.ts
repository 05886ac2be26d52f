import fc from 'fast-check';
import { CALL_STATUSES, LEGACY_EVENT_TYPES, VAPI_MESSAGE_TYPES } from '@app/vapi';
import { fixture, webhookFixtureNames } from '../../helpers/fixtures';

/**
 * Well-formed VAPI bodies of every type the app knows. The type lists come from the normaliser
 * itself (`VAPI_MESSAGE_TYPES`, `LEGACY_EVENT_TYPES`, `CALL_STATUSES`), so a type added there is
 * generated the day it is added, with the fields every type may carry; the fields below are
 * what the normaliser and the responder read, and the fixtures add every other field VAPI sends.
 */

/** Types no code knows: they must be accepted and recorded as kind `other`. */
const UNKNOWN_TYPES = [
  'model-output',
  'phone-call-control',
  'voice-input',
  'chat.created',
  'transcript[transcriptType="final"]',
  'transcript[transcriptType="partial"]',
];

const ROLES = ['user', 'bot', 'assistant', 'customer', 'system', 'tool', 'tool_calls', 'BOT', '?'];

/** Realistic epoch milliseconds (2025–2027), so events of one call interleave in time. */
const epochMs = fc.integer({ min: 1_735_689_600_000, max: 1_798_761_600_000 });

/** Timestamps in every form VAPI has used: epoch ms, epoch seconds as text, ISO with or without zone. */
export const timestampArb: fc.Arbitrary<unknown> = fc.oneof(
  epochMs,
  epochMs.map((ms) => String(Math.floor(ms / 1000))),
  epochMs.map((ms) => new Date(ms).toISOString()),
  epochMs.map((ms) => new Date(ms).toISOString().slice(0, 19)),
);

const text = fc.oneof(
  fc.constantFrom('Hello?', 'Is there anything Saturday morning?', 'Thanks, bye.', ' ', ''),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const id = fc.oneof(fc.uuid(), fc.stringMatching(/^call_[A-Za-z0-9]{8,24}$/), fc.nat());

const url = fc.oneof(
  fc.constantFrom('https://storage.vapi.ai/c0ffee42-mono.wav', 'https://storage.vapi.ai/s.wav'),
  fc.webUrl(),
);

/** A Call object as VAPI sends it beside (or, legacy, instead of) a message. */
export function callObject(callId: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: callId,
      orgId: fc.uuid(),
      type: fc.constantFrom('inboundPhoneCall', 'outboundPhoneCall', 'webCall'),
      status: fc.constantFrom(...CALL_STATUSES),
      assistantId: fc.uuid(),
      phoneNumberId: fc.uuid(),
      customer: fc.record({ number: fc.constantFrom('+14155550123', '+442071838750') }),
      createdAt: timestampArb,
      startedAt: timestampArb,
      endedAt: timestampArb,
      endedReason: fc.constantFrom('customer-ended-call', 'customer-busy', 'pipeline-error-x'),
      cost: fc.oneof(fc.double({ min: 0, max: 50, noNaN: true }), fc.constant('0.1234')),
    },
    { requiredKeys: ['id'] },
  );
}

/** Items a list may hold instead of the object it expects: `null` above all (issue 13). */
const strayItem = fc.constantFrom<unknown>(null, null, 7, 'x', [], true);

/** A list of `item`s where now and then an element is a stray value. */
const listOf = (item: fc.Arbitrary<unknown>, maxLength: number): fc.Arbitrary<unknown[]> =>
  fc.array(fc.oneof({ weight: 5, arbitrary: item }, { weight: 1, arbitrary: strayItem }), {
    maxLength,
  });

/** One item of `artifact.messages` / `conversation-update.messages`. */
const conversationItem = fc.record(
  {
    role: fc.constantFrom(...ROLES),
    message: text,
    content: text,
    time: epochMs,
    endTime: epochMs,
    duration: fc.nat({ max: 60_000 }),
    secondsFromStart: fc.double({ min: 0, max: 3600, noNaN: true }),
  },
  { requiredKeys: ['role'] },
);

const messages = listOf(conversationItem, 8);

/** One tool call, in each of the three shapes VAPI has sent. */
const toolCall = fc.oneof(
  fc.record({
    id,
    type: fc.constant('function'),
    function: fc.record({
      name: fc.constantFrom('get_current_time', 'check_availability', ''),
      arguments: fc.oneof(
        fc.constant('{"timezone":"Europe/Paris"}'),
        fc.record({ timezone: fc.constantFrom('UTC', 'Asia/Tokyo', 'Mars/Base') }),
        fc.string({ maxLength: 20 }),
      ),
    }),
  }),
  fc.record({ id, name: fc.constantFrom('get_current_time', 'nope'), arguments: fc.object() }),
);

/** The fields each known type is read for; a type without an entry gets the shared pool only. */
const FIELDS_BY_TYPE: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'status-update': fc.record(
    {
      status: fc.constantFrom(...CALL_STATUSES, 'not-found', 'deletion-failed'),
      endedReason: fc.constantFrom('customer-ended-call', 'silence-timed-out', 'voicemail'),
    },
    { requiredKeys: ['status'] },
  ),
  'end-of-call-report': fc.record(
    {
      endedReason: fc.constantFrom('customer-ended-call', 'customer-did-not-answer'),
      startedAt: timestampArb,
      endedAt: timestampArb,
      cost: fc.oneof(fc.double({ min: 0, max: 50, noNaN: true }), fc.constant('0.0371')),
      durationSeconds: fc.double({ min: 0, max: 7200, noNaN: true }),
      durationMs: fc.nat({ max: 7_200_000 }),
      summary: text,
      transcript: text,
      messages,
      recordingUrl: url,
      analysis: fc.record(
        {
          summary: text,
          structuredData: fc.jsonValue({ maxDepth: 3 }),
          successEvaluation: fc.oneof(fc.boolean(), text, fc.nat()),
        },
        { requiredKeys: [] },
      ),
      artifact: fc.record(
        {
          messages,
          transcript: text,
          recordingUrl: url,
          stereoRecordingUrl: url,
          recording: fc.record(
            { stereoUrl: url, mono: fc.record({ combinedUrl: url, assistantUrl: url }) },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      costBreakdown: fc.dictionary(fc.constantFrom('llm', 'stt', 'tts', 'vapi'), fc.double()),
      costs: fc.array(fc.record({ type: fc.string(), cost: fc.double() }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
  transcript: fc.record(
    {
      role: fc.constantFrom(...ROLES),
      transcriptType: fc.constantFrom('final', 'partial'),
      transcript: text,
      secondsFromStart: fc.double({ min: 0, max: 3600, noNaN: true }),
    },
    { requiredKeys: ['role', 'transcript'] },
  ),
  'conversation-update': fc.record(
    { messages, artifact: fc.record({ messages }) },
    { requiredKeys: [] },
  ),
  'speech-update': fc.record({
    status: fc.constantFrom('started', 'stopped'),
    role: fc.constantFrom('user', 'assistant'),
    turn: fc.nat({ max: 50 }),
  }),
  'tool-calls': fc.record(
    {
      toolCallList: listOf(toolCall, 4),
      toolWithToolCallList: listOf(fc.record({ toolCall: fc.oneof(toolCall, strayItem) }), 3),
    },
    { requiredKeys: [] },
  ),
  'user-interrupted': fc.record({ turnId: fc.uuid() }),
  'knowledge-base-request': fc.record({ messages }, { requiredKeys: [] }),
};

/** Every top-level field of every fixture message, with its real value: what VAPI also sends. */
const FIXTURE_FIELDS: Array<[string, unknown]> = webhookFixtureNames().flatMap((name) => {
  const body = fixture(name);
  const message = (body.message ?? {}) as Record<string, unknown>;
  return Object.entries(message).filter(([key]) => key !== 'type' && key !== 'call');
});

/** Fields any message may carry: those of other types (type confusion) and the fixtures'. */
const sharedFields: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.subarray(Object.keys(FIELDS_BY_TYPE), { maxLength: 2 }),
    fc.subarray(FIXTURE_FIELDS, { maxLength: 4 }),
  )
  .chain(([types, fixtureFields]) =>
    fc.tuple(...types.map((type) => FIELDS_BY_TYPE[type])).map((parts) => {
      const fields: Record<string, unknown> = Object.fromEntries(fixtureFields);
      for (const part of parts) Object.assign(fields, part);
      return fields;
    }),
  );

/** Every message type to generate: the known ones (from the normaliser) and unknown ones. */
export const MESSAGE_TYPES: readonly string[] = [...VAPI_MESSAGE_TYPES, ...UNKNOWN_TYPES];

/** A `{"message": {...}}` body of the given type for a call id from `callId`. */
export function vapiMessageBody(
  type: string,
  callId: fc.Arbitrary<string>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      call: callObject(callId),
      timestamp: timestampArb,
      own: FIELDS_BY_TYPE[type] ?? fc.constant({}),
      shared: fc.option(sharedFields, { freq: 3, nil: undefined }),
    })
    .map(({ call, timestamp, own, shared }) => ({
      message: { timestamp, type, ...(shared ?? {}), ...own, call },
    }));
}

/** A legacy `{"type": "call.*", "call": {...}}` body. */
export function legacyBody(
  type: string,
  callId: fc.Arbitrary<string>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      call: callObject(callId),
      extra: fc.record(
        {
          duration: fc.double({ min: 0, max: 7200, noNaN: true }),
          endReason: fc.constantFrom('customer-ended-call', 'error'),
          recordingUrl: url,
          transcript: fc.array(
            fc.record({ timestamp: timestampArb, role: fc.constantFrom(...ROLES), message: text }),
            { maxLength: 5 },
          ),
        },
        { requiredKeys: [] },
      ),
    })
    .map(({ call, extra }) => ({ type, call: { ...call, ...extra } }));
}

/** A well-formed body of any known (or unknown) type, in either wire format. */
export function knownBody(
  callId: fc.Arbitrary<string> = fc.oneof(fc.uuid(), fc.constant('c0ffee42')),
): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(...MESSAGE_TYPES).chain((t) => vapiMessageBody(t, callId)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...LEGACY_EVENT_TYPES).chain((t) => legacyBody(t, callId)),
    },
  );
}
