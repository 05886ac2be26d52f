import fc from 'fast-check';
import { callEventJob } from '@app/queue';
import { WebhookValidationError, normalizeWebhook, redactPayload, type CallEvent } from '@app/vapi';
import { eventOfJob } from '../../apps/worker/src/call-events/call-events.service';
import { callColumnsFromState } from '../../apps/worker/src/call-events/call-row';
import {
  canonicalJson,
  mergeCallState,
  type CallState,
} from '../../apps/worker/src/call-events/call-state';
import {
  EMPTY_TRANSCRIPT,
  computeTranscriptStats,
  mergeTranscript,
  renderTranscriptText,
  type TranscriptState,
} from '../../apps/worker/src/transcripts/transcript-state';
import { toJsonText, type JsonNode } from './arbitraries/json-text';
import { mutatedBody } from './arbitraries/mutations';
import { knownBody } from './arbitraries/vapi-messages';
import { assertProperty, fuzzSettings } from './fuzz-settings';

jest.setTimeout(10 * 60_000);

const CALL_ID = '7e57ca11-0000-4000-8000-00000000f00d';

/**
 * What the worker folds for a body the intake accepted: the text parsed as the api parses it,
 * redacted, carried through Redis as JSON, normalised again under the intake's dedup key.
 * Undefined for a body the intake refuses (it never reaches the worker).
 */
function workerEventOf(body: JsonNode): CallEvent | undefined {
  const parsed: unknown = JSON.parse(toJsonText(body));
  let dedupKey: string;
  try {
    dedupKey = normalizeWebhook(parsed).dedupKey;
  } catch (error) {
    if (error instanceof WebhookValidationError) return undefined;
    throw error;
  }
  const job = callEventJob(redactPayload(parsed), dedupKey, new Date(0));
  return eventOfJob(JSON.parse(JSON.stringify(job.data)) as typeof job.data);
}

interface Folded {
  call: CallState | null;
  transcript: TranscriptState;
}

function fold(events: readonly CallEvent[]): Folded {
  let call: CallState | null = null;
  let transcript = EMPTY_TRANSCRIPT;
  for (const event of events) {
    call = mergeCallState(call, event);
    transcript = mergeTranscript(transcript, event);
  }
  // What the worker then writes must be derivable too.
  if (call !== null) callColumnsFromState(call);
  renderTranscriptText(transcript.segments);
  computeTranscriptStats(transcript.segments);
  return { call, transcript };
}

/** Generated bodies for one call (most well-formed, some mutated) and a redelivery order. */
const deliveries = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: knownBody(fc.constant(CALL_ID)) },
      { weight: 1, arbitrary: mutatedBody(knownBody(fc.constant(CALL_ID))) },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .chain((bodies) =>
    fc.record({
      bodies: fc.constant(bodies),
      // Each delivery's place in the shuffled order, and which ones arrive again.
      order: fc.array(fc.double({ noNaN: true }), {
        minLength: bodies.length,
        maxLength: bodies.length,
      }),
      repeats: fc.array(fc.nat({ max: bodies.length - 1 }), { maxLength: 6 }),
    }),
  );

describe('the worker merge under generated events', () => {
  it('folds any order of one call’s events, with duplicates, to the in-order row, and never throws', async () => {
    await assertProperty(
      fc.property(deliveries, ({ bodies, order, repeats }) => {
        const events = bodies
          .map(workerEventOf)
          .filter((e): e is CallEvent => e !== undefined && e.callId === CALL_ID);
        const inOrder = fold(events);
        const positions = events.map((_, i) => i).sort((a, b) => order[a] - order[b]);
        const shuffled = [
          ...positions.map((i) => events[i]),
          ...repeats.filter((i) => i < events.length).map((i) => events[i]),
        ];
        const replayed = fold(shuffled);
        if (canonicalJson(replayed) !== canonicalJson(inOrder)) {
          throw new Error(
            `shuffled delivery differs:\nin order: ${canonicalJson(inOrder)}\nshuffled: ${canonicalJson(replayed)}`,
          );
        }
      }),
      fuzzSettings(1000),
    );
  });
});
