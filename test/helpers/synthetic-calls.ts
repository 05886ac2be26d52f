import { normalizeWebhook, type CallEvent } from '@app/vapi';
import { FIXTURE_CALL_ID, fixture, webhookFixtureNames } from './fixtures';

/** The outbound call of `end-of-call-report-no-answer.json` and `seed-call-failed.json`. */
export const NO_ANSWER_CALL_ID = '5e9b1a7c-3d2f-4b8e-a6c1-9f0e2d4b6a83';

/** A small seeded PRNG (mulberry32), so a failing property run can be reproduced. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `items` plus 0–2 extra copies of each, shuffled: a redelivering, reordering sender. */
export function shuffledWithDuplicates<T>(items: readonly T[], random: () => number): T[] {
  const out: T[] = [];
  for (const item of items) {
    const copies = 1 + Math.floor(random() * 3);
    for (let i = 0; i < copies; i++) out.push(item);
  }
  return shuffle(out, random);
}

/** A fixture body with every fixture call id replaced by `callId`. */
export function fixtureForCall(name: string, callId: string): Record<string, unknown> {
  const text = JSON.stringify(fixture(name))
    .split(FIXTURE_CALL_ID)
    .join(callId)
    .split(NO_ANSWER_CALL_ID)
    .join(callId);
  return JSON.parse(text) as Record<string, unknown>;
}

/** One synthetic call: webhook bodies as a sender would post them, in their original order. */
export interface SyntheticCall {
  callId: string;
  bodies: Record<string, unknown>[];
}

/** Reasons a synthetic call may end with instead of the fixtures' own. */
const ENDED_REASONS = [
  'customer-busy',
  'voicemail',
  'assistant-forwarded-call',
  'pipeline-error-openai-llm-failed',
  'silence-timed-out',
  'manually-canceled',
];

/** Fixtures of the unanswered outbound call; the rest belong to the answered inbound call. */
const NO_ANSWER_FIXTURES = new Set(['end-of-call-report-no-answer.json', 'seed-call-failed.json']);

/**
 * Synthetic calls built from the fixtures: each takes a random subset of the answered call's
 * fixtures, the unanswered call's, or both mixed (both wire formats, so some events collide on
 * their dedup key with different content), with its call id rewritten, sometimes another
 * `endedReason` (not always on every event), and some VAPI timestamps moved or made equal.
 */
export function syntheticCalls(count: number, random: () => number): SyntheticCall[] {
  const all = webhookFixtureNames();
  const scenarios = [
    all.filter((name) => !NO_ANSWER_FIXTURES.has(name)),
    all.filter((name) => NO_ANSWER_FIXTURES.has(name) || name.startsWith('status-update-ringing')),
    all,
  ];
  const calls: SyntheticCall[] = [];
  for (let i = 0; i < count; i++) {
    const callId = `synthetic-${i}-${Math.floor(random() * 1e9).toString(36)}`;
    const names = scenarios[Math.floor(random() * scenarios.length)];
    const reason =
      random() < 0.5 ? ENDED_REASONS[Math.floor(random() * ENDED_REASONS.length)] : undefined;
    let tie: number | undefined;
    const bodies: Record<string, unknown>[] = [];
    for (const name of names) {
      if (random() < 0.25) continue;
      const body = fixtureForCall(name, callId);
      const message = body.message as Record<string, unknown> | undefined;
      if (message && typeof message.timestamp === 'number') {
        const roll = random();
        if (roll < 0.15) message.timestamp += Math.round((random() - 0.5) * 120_000);
        else if (roll < 0.25) message.timestamp = tie ??= message.timestamp;
      }
      if (message && reason !== undefined && 'endedReason' in message && random() < 0.8) {
        message.endedReason = reason;
      }
      bodies.push(body);
    }
    calls.push({ callId, bodies });
  }
  return calls;
}

/** The events of a call's bodies. */
export function eventsOf(call: SyntheticCall): CallEvent[] {
  return call.bodies.map((body) => normalizeWebhook(body));
}
