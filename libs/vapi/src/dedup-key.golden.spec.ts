import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, webhookFixtureNames } from '../../../test/helpers/fixtures';
import { generateWorkload } from '../../../test/helpers/workload';
import { normalizeWebhook } from './normalize-webhook';

/**
 * PERSISTENT keys: `dedup-key.golden.json` holds the dedup keys that the code of 2026-12-02
 * (before the intake was slimmed) computed for these bodies. Stored event-log rows and kept job
 * ids carry such keys, so a redelivery of an event accepted before an upgrade must still map to
 * the same key. Never regenerate the file from the current code to make this pass.
 */
const golden = JSON.parse(readFileSync(join(__dirname, 'dedup-key.golden.json'), 'utf8')) as Record<
  string,
  string
>;

type Body = Record<string, unknown>;
type Message = Record<string, unknown>;

const message = (name: string): { message: Message } => fixture<{ message: Message }>(name);

/** Hand-made variants of the persisted kinds, each exercising one branch of the key. */
function variants(): Record<string, Body> {
  const ended = message('status-update-ended.json');
  delete ended.message.endedReason;
  const botFinal = message('transcript-final.json');
  botFinal.message.role = 'bot';
  botFinal.message.transcript = 'Ünïcödé — “quoted” text\nwith a newline';
  const subscription = message('transcript-final.json');
  subscription.message.type = 'transcript[transcriptType="final"]';
  delete subscription.message.transcriptType;
  const noText = message('transcript-final.json');
  noText.message.transcript = '   ';
  const artifactOnly = message('conversation-update.json');
  const artifact = (artifactOnly.message.artifact ?? {}) as Message;
  artifactOnly.message.artifact = { ...artifact, messages: artifactOnly.message.messages };
  delete artifactOnly.message.messages;
  const noTimestamp = message('conversation-update.json');
  delete noTimestamp.message.timestamp;
  const isoTimestamp = message('status-update-in-progress.json');
  isoTimestamp.message.timestamp = '2026-03-12T16:20:31.047Z';
  const failedAlt = fixture<Body & { call: Message }>('seed-call-failed.json');
  delete failedAlt.call.endReason;
  failedAlt.call.endedReason = 'pipeline-error';
  const legacyBare = { type: 'call.ended', call: { id: 'legacy-bare-call' } };
  return {
    'status-update ended, reason only on call': ended,
    'transcript final by bot, unicode': botFinal,
    'transcript final via subscription type': subscription,
    'transcript final without words': noText,
    'conversation-update from artifact messages': artifactOnly,
    'conversation-update without timestamp': noTimestamp,
    'status-update with ISO timestamp': isoTimestamp,
    'legacy call.failed with endedReason': failedAlt,
    'legacy call.ended with nothing else': legacyBare,
  };
}

/** Every body the golden file has a key for, by a stable label. */
export function goldenBodies(): Record<string, Body> {
  const bodies: Record<string, Body> = {};
  for (const name of webhookFixtureNames()) bodies[`fixture ${name}`] = fixture<Body>(name);
  // Two answered calls and an unanswered one of the bench's realistic mix.
  for (const event of generateWorkload(3, { noAnswerEvery: 3 })) {
    bodies[`workload call ${event.callIndex} #${event.seq} ${event.label}`] = JSON.parse(
      event.body.toString('utf8'),
    ) as Body;
  }
  return { ...bodies, ...variants() };
}

describe('dedup keys of already-stored events', () => {
  const bodies = goldenBodies();

  it('has a golden key for every body and a body for every golden key', () => {
    expect(Object.keys(bodies).sort()).toEqual(Object.keys(golden).sort());
  });

  it.each(Object.keys(golden))('keeps the key of %s', (label) => {
    expect(normalizeWebhook(bodies[label]).dedupKey).toBe(golden[label]);
  });
});
