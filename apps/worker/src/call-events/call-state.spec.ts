import { normalizeWebhook, type CallEvent } from '@app/vapi';
import { FIXTURE_CALL_ID, fixture } from '../../../../test/helpers/fixtures';
import {
  NO_ANSWER_CALL_ID,
  eventsOf,
  seededRandom,
  shuffle,
  shuffledWithDuplicates,
  syntheticCalls,
} from '../../../../test/helpers/synthetic-calls';
import {
  EMPTY_TRANSCRIPT,
  mergeTranscript,
  type TranscriptState,
} from '../transcripts/transcript-state';
import {
  CallState,
  classifyOutcome,
  mergeCallState,
  toDecimalString,
  type CallOutcome,
} from './call-state';

const event = (name: string): CallEvent => normalizeWebhook(fixture(name));
const fold = (events: readonly CallEvent[]): CallState | null =>
  events.reduce<CallState | null>((state, e) => mergeCallState(state, e), null);
const foldTranscript = (events: readonly CallEvent[]): TranscriptState =>
  events.reduce(mergeTranscript, EMPTY_TRANSCRIPT);

/** A copy of a fixture event at another time (and so, for most kinds, another dedup key). */
function at(e: CallEvent, occurredAt: string, dedupKey = `${e.dedupKey}@${occurredAt}`): CallEvent {
  return { ...e, occurredAt, dedupKey };
}

describe(mergeCallState.name, () => {
  const ringing = event('status-update-ringing.json');
  const inProgress = event('status-update-in-progress.json');
  const ended = event('status-update-ended.json');
  const report = event('end-of-call-report.json');
  const conversation = event('conversation-update.json');

  it('fills a new call from its first event', () => {
    const state = mergeCallState(null, ringing);
    expect(state).toMatchObject({
      id: FIXTURE_CALL_ID,
      status: 'ringing',
      type: 'inboundPhoneCall',
      customerNumber: '+14155550123',
      createdAt: '2026-03-12T15:04:05.123Z',
      outcome: 'in-progress',
      lastEventAt: '2026-03-12T15:04:05.935Z',
    });
  });

  it('keeps ended when a late in-progress arrives', () => {
    const state = fold([ringing, ended, inProgress]);
    expect(state?.status).toBe('ended');
    expect(state?.outcome).toBe('completed');
    expect(state?.endedReason).toBe('customer-ended-call');
  });

  it('keeps ended even when the late in-progress claims a later time', () => {
    const late = at(inProgress, '2026-03-12T15:10:00.000Z');
    expect(fold([ended, late])?.status).toBe('ended');
  });

  it('takes every report field and derives the outcome from it', () => {
    const state = fold([report]);
    expect(state).toMatchObject({
      status: 'ended',
      endedReason: 'customer-ended-call',
      outcome: 'completed',
      startedAt: '2026-03-12T15:04:09.871Z',
      endedAt: '2026-03-12T15:05:07.214Z',
      durationSeconds: '57.343',
      cost: '0.097100',
      successEvaluation: 'true',
    });
    expect(state?.summary).toMatch(/^Dana Whitfield called/);
    expect(state?.costs).toHaveLength(8);
    expect(state?.costBreakdown).toMatchObject({ total: 0.0971 });
    expect(state?.recordingUrl).toMatch(/-mono\.wav$/);
    expect(state?.stereoRecordingUrl).toMatch(/-stereo\.wav$/);
    expect(state?.transcriptText).toMatch(/^AI: Thanks for calling/);
  });

  it('does not let later, poorer events erase or override what the report said', () => {
    const afterReport = [
      at(ended, '2026-03-12T15:06:00.000Z'),
      { ...at(ended, '2026-03-12T15:07:00.000Z'), endedReason: 'assistant-ended-call' },
      at(conversation, '2026-03-12T15:08:00.000Z'),
      at(inProgress, '2026-03-12T15:09:00.000Z'),
    ];
    const withReport = fold([report]);
    const state = fold([report, ...afterReport]);
    expect(state).toEqual({ ...withReport, lastEventAt: '2026-03-12T15:09:00.000Z' });
  });

  it('fills fields the report lacks from poorer events', () => {
    const sparse: CallEvent = {
      ...report,
      call: {},
      report: { endedReason: 'customer-ended-call' },
    };
    const state = fold([inProgress, sparse]);
    expect(state?.assistantId).toBe('a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22');
    expect(state?.startedAt).toBe('2026-03-12T15:04:09.871Z');
  });

  it('prefers the later of two events of the same rank', () => {
    const early = {
      ...at(ended, '2026-03-12T15:05:07.000Z', 'a'),
      endedReason: 'silence-timed-out',
    };
    const late = { ...at(ended, '2026-03-12T15:05:08.000Z', 'b'), endedReason: 'customer-busy' };
    expect(fold([early, late])?.endedReason).toBe('customer-busy');
    expect(fold([late, early])?.endedReason).toBe('customer-busy');
  });

  it('breaks equal versions by content, so two formats of one event merge either way', () => {
    const a = { ...ended, endedReason: 'customer-ended-call' };
    const b = { ...ended, endedReason: 'assistant-ended-call' };
    expect(fold([a, b])).toEqual(fold([b, a]));
  });

  it('derives the duration from start and end until a report gives one', () => {
    expect(fold([ended])?.durationSeconds).toBe('57.343');
    const seedEnded = event('seed-call-ended.json');
    expect(fold([ended, seedEnded])?.durationSeconds).toBe('57.000');
  });

  it('is idempotent', () => {
    for (const e of [ringing, ended, report, conversation]) {
      const once = mergeCallState(fold([ringing]), e);
      expect(mergeCallState(once, e)).toEqual(once);
    }
  });

  it('closes a failed legacy call as the reason says', () => {
    const failed = event('seed-call-failed.json');
    const state = fold([failed]);
    expect(state).toMatchObject({
      id: NO_ANSWER_CALL_ID,
      status: 'ended',
      failed: true,
      outcome: 'no-answer',
    });
    expect(fold([failed, event('end-of-call-report-no-answer.json')])?.endedReason).toBe(
      'customer-did-not-answer',
    );
  });

  it('refuses an event without a call', () => {
    expect(() => mergeCallState(null, { ...ringing, callId: null })).toThrow(/callId/);
  });

  describe('property: any permutation of any multiset of events gives the same state', () => {
    const random = seededRandom(20260312);
    const calls = syntheticCalls(50, random).map((call) => ({ call, events: eventsOf(call) }));

    it('holds over 200 shuffled, duplicated deliveries', () => {
      const expected = calls.map(({ events }) => ({
        call: fold(events),
        transcript: foldTranscript(events),
      }));
      for (let trial = 0; trial < 200; trial++) {
        const index = trial % calls.length;
        const delivered = shuffledWithDuplicates(calls[index].events, random);
        expect({ call: fold(delivered), transcript: foldTranscript(delivered) }).toEqual(
          expected[index],
        );
      }
    });

    it('is exercised by calls that really differ and really conflict', () => {
      const outcomes = new Set(calls.map(({ events }) => fold(events)?.outcome));
      expect(outcomes.size).toBeGreaterThanOrEqual(3);
      const sources = new Set(calls.map(({ events }) => foldTranscript(events).source));
      expect(sources.has('report')).toBe(true);
      expect(sources.size).toBeGreaterThanOrEqual(2);
      // Some calls carry two different events under one dedup key (seed vs VAPI format).
      const collisions = calls.filter(({ events }) => {
        const byKey = new Map<string, string>();
        return events.some((e) => {
          const seen = byKey.get(e.dedupKey);
          byKey.set(e.dedupKey, JSON.stringify(e));
          return seen !== undefined && seen !== JSON.stringify(e);
        });
      });
      expect(collisions.length).toBeGreaterThan(0);
    });
  });
});

describe(mergeTranscript.name, () => {
  const final = event('transcript-final.json');
  const partial = event('transcript-partial.json');
  const conversation = event('conversation-update.json');
  const legacyConversation = event('seed-transcript-updated.json');
  const report = event('end-of-call-report.json');

  const finalAt = (occurredAt: string, text: string, role: 'user' | 'assistant' = 'user') => ({
    ...at(final, occurredAt),
    utterance: { role, text, secondsFromStart: null, durationSeconds: null },
  });

  it('never stores partial utterances', () => {
    expect(foldTranscript([partial])).toEqual(EMPTY_TRANSCRIPT);
  });

  it('unions live finals in time order, whatever the delivery order', () => {
    const finals = [
      finalAt('2026-03-12T15:04:12.000Z', 'first', 'assistant'),
      finalAt('2026-03-12T15:04:19.000Z', 'second'),
      finalAt('2026-03-12T15:04:25.000Z', 'third', 'assistant'),
    ];
    const expected = foldTranscript(finals);
    expect(expected.source).toBe('live-final');
    expect(expected.segments.map((s) => s.text)).toEqual(['first', 'second', 'third']);
    expect(foldTranscript([finals[2], finals[0], finals[1], finals[0]])).toEqual(expected);
  });

  it('replaces live finals with a conversation-update, and ignores finals after it', () => {
    const early = finalAt('2026-03-12T15:04:12.000Z', 'live only');
    const late = finalAt('2026-03-12T15:06:00.000Z', 'after the update');
    const state = foldTranscript([early, conversation, late]);
    expect(state.source).toBe('conversation');
    expect(state.segments).toHaveLength(4);
    expect(foldTranscript([late, conversation, early])).toEqual(state);
  });

  it('keeps the conversation-update with the greatest time (each carries the full history)', () => {
    const older = at(legacyConversation, '2026-03-12T15:04:20.521Z');
    const newer = at(conversation, '2026-03-12T15:04:29.491Z');
    expect(foldTranscript([newer, older]).segments).toHaveLength(4);
    expect(foldTranscript([older, newer])).toEqual(foldTranscript([newer, older]));
  });

  it('prefers the report over any conversation-update, even a later one', () => {
    const laterConversation = at(conversation, '2026-03-12T15:30:00.000Z');
    const state = foldTranscript([report, laterConversation]);
    expect(state.source).toBe('report');
    expect(state.segments).toHaveLength(11);
    expect(foldTranscript([laterConversation, report])).toEqual(state);
  });

  it('ignores an empty report transcript', () => {
    const noAnswer = event('end-of-call-report-no-answer.json');
    expect(foldTranscript([conversation, { ...noAnswer, callId: FIXTURE_CALL_ID }]).source).toBe(
      'conversation',
    );
  });

  it('is order-independent over random mixes of all three sources', () => {
    const random = seededRandom(7);
    const events = [
      final,
      partial,
      conversation,
      legacyConversation,
      report,
      finalAt('2026-03-12T15:04:40.000Z', 'x'),
    ];
    for (let subset = 0; subset < 64; subset++) {
      const chosen = events.filter((_, i) => (subset >> i) & 1);
      const expected = foldTranscript(chosen);
      for (let trial = 0; trial < 5; trial++) {
        expect(foldTranscript(shuffle(chosen, random))).toEqual(expected);
      }
    }
  });
});

describe(classifyOutcome.name, () => {
  const ended = { failed: false, startedAt: '2026-03-12T15:04:09.871Z', status: 'ended' as const };
  const table: Array<[string, CallOutcome]> = [
    ['customer-ended-call', 'completed'],
    ['assistant-ended-call', 'completed'],
    ['assistant-ended-call-after-message-spoken', 'completed'],
    ['assistant-ended-call-with-hangup-task', 'completed'],
    ['assistant-said-end-call-phrase', 'completed'],
    ['exceeded-max-duration', 'completed'],
    ['silence-timed-out', 'completed'],
    ['call.in-progress.twilio-completed-call', 'completed'],
    ['vonage-completed', 'completed'],
    ['customer-did-not-answer', 'no-answer'],
    ['no-answer', 'no-answer'],
    ['twilio-failed-to-connect-call', 'no-answer'],
    ['call.ringing.hook-executed-say', 'no-answer'],
    ['call.forwarding.no-answer', 'no-answer'],
    ['customer-busy', 'busy'],
    ['call.forwarding.operator-busy', 'busy'],
    ['voicemail', 'voicemail'],
    ['assistant-forwarded-call', 'forwarded'],
    ['manually-canceled', 'canceled'],
    ['scheduled-call-deleted', 'canceled'],
    ['call-deleted', 'canceled'],
    ['pipeline-error-openai-llm-failed', 'error'],
    ['call.in-progress.error-vapifault-openai-llm-failed', 'error'],
    ['call.in-progress.error-providerfault-deepgram-returning-500', 'error'],
    ['assistant-request-failed', 'error'],
    ['assistant-request-returned-invalid-assistant', 'error'],
    ['call.start.error-subscription-insufficient-credits', 'error'],
    ['call-start-error-neither-assistant-nor-server-set', 'error'],
    ['worker-shutdown', 'error'],
    ['phone-call-provider-closed-websocket', 'error'],
    ['Customer-Ended-Call', 'completed'],
  ];

  it.each(table)('classifies %s as %s', (reason, outcome) => {
    expect(classifyOutcome(reason, ended)).toBe(outcome);
  });

  it('calls a call without a reason in progress until it has ended', () => {
    expect(classifyOutcome(null, { ...ended, status: 'in-progress' })).toBe('in-progress');
    expect(classifyOutcome(undefined, { ...ended, status: null, startedAt: null })).toBe(
      'in-progress',
    );
  });

  it('treats an unrecognised reason by what else is known', () => {
    expect(classifyOutcome('hangup', { ...ended, failed: true })).toBe('error');
    expect(classifyOutcome('hangup', ended)).toBe('completed');
    expect(classifyOutcome('hangup', { ...ended, startedAt: null })).toBe('unknown');
    expect(classifyOutcome(null, { ...ended, startedAt: null })).toBe('unknown');
  });

  it('lets a recognised reason win over the failed flag', () => {
    expect(classifyOutcome('no-answer', { ...ended, failed: true })).toBe('no-answer');
  });
});

describe(toDecimalString.name, () => {
  it.each<[number | string, number, string | null]>([
    [57.343, 3, '57.343'],
    [57, 3, '57.000'],
    ['0.0971', 6, '0.097100'],
    ['0.12345678', 6, '0.123457'],
    ['0.0000004', 6, '0.000000'],
    ['-1.0000005', 6, '-1.000001'],
    ['-0.0000001', 6, '0.000000'],
    [1e-7, 6, '0.000000'],
    ['12', 0, '12'],
    ['not a number', 6, null],
  ])('prints %p at scale %p as %p', (value, scale, printed) => {
    expect(toDecimalString(value, scale)).toBe(printed);
  });
});
