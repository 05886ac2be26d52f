import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/**
 * Realistic VAPI traffic for the bench and the fault drills, built from the fixture
 * conversation (test/fixtures/vapi): every call gets its own id, customer number, cost and
 * shifted timestamps, and sends what VAPI sends during a call, in the order VAPI sends it.
 */

const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'vapi');

/** The call id of the fixture conversation; every occurrence is rewritten per call. */
export const FIXTURE_CALL_ID = 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
const NO_ANSWER_CALL_ID = '5e9b1a7c-3d2f-4b8e-a6c1-9f0e2d4b6a83';
const FIXTURE_CUSTOMER = '+14155550123';
const NO_ANSWER_CUSTOMER = '+14155550177';
const FIXTURE_ENDED_REASON = 'customer-ended-call';
const VAPI_STORAGE_ORIGIN = 'https://storage.vapi.ai';

/** One webhook delivery: the exact bytes VAPI would POST. */
export interface WorkloadEvent {
  callIndex: number;
  callId: string;
  /** Position within its call, in VAPI's order (0 = first). */
  seq: number;
  /** `message.type`, plus the status or role where that tells events apart (for reports). */
  label: string;
  /** `message.timestamp` (epoch ms). */
  at: number;
  body: Buffer;
}

/** Shape of the generated traffic. */
export interface WorkloadOptions {
  /** Call ids are `<namespace>-0000-4000-8000-<index>`; 8 hex digits. Default `b3e7c0de`. */
  namespace?: string;
  /** Spoken turns per answered call (1–11, the fixture has 11). Default 11. */
  turns?: number;
  /** How far apart calls start (ms); calls overlap as real ones do. Default 2000. */
  spacingMs?: number;
  /** Every n-th call is never answered (ringing → ended → short report). 0 = none. Default 10. */
  noAnswerEvery?: number;
  /**
   * Replaces VAPI's recording storage origin (`https://storage.vapi.ai`), so the worker's
   * downloads go to a local server instead of the internet.
   */
  storageOrigin?: string;
}

interface ArtifactMessage {
  role: string;
  time: number;
  endTime?: number;
  message?: string;
}

interface Slot {
  label: string;
  /** JSON text of the event for the fixture call, before per-call rewriting. */
  template: string;
}

const readFixture = (name: string): { message: Record<string, unknown> } =>
  JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as { message: Record<string, unknown> };

/** A call id in UUID shape, unique per namespace and index. */
export function workloadCallId(index: number, namespace = 'b3e7c0de'): string {
  if (!/^[0-9a-f]{8}$/.test(namespace)) throw new Error('namespace must be 8 hex digits');
  return `${namespace}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

const slotCache = new Map<string, { answered: Slot[]; noAnswer: Slot[] }>();

function slots(turns: number): { answered: Slot[]; noAnswer: Slot[] } {
  const key = String(turns);
  const cached = slotCache.get(key);
  if (cached) return cached;

  const report = readFixture('end-of-call-report.json');
  const artifact = report.message.artifact as {
    messages: ArtifactMessage[];
    messagesOpenAIFormatted: unknown[];
  };
  const spokenIndexes = artifact.messages
    .map((m, i) => (m.role === 'bot' || m.role === 'user' ? i : -1))
    .filter((i) => i >= 0)
    .slice(0, Math.max(1, Math.min(turns, 11)));

  const answered: Slot[] = [];
  const push = (label: string, message: Record<string, unknown>): void => {
    answered.push({ label, template: JSON.stringify({ message }) });
  };
  push('status-update:ringing', readFixture('status-update-ringing.json').message);
  push('status-update:in-progress', readFixture('status-update-in-progress.json').message);

  const speech = readFixture('speech-update.json').message;
  const transcript = readFixture('transcript-final.json').message;
  const conversation = readFixture('conversation-update.json').message;
  spokenIndexes.forEach((index, turn) => {
    const said = artifact.messages[index];
    const role = said.role === 'bot' ? 'assistant' : 'user';
    const end = Math.round(said.endTime ?? said.time + 2000);
    push(`speech-update:${role}`, {
      ...speech,
      timestamp: Math.round(said.time),
      status: 'started',
      role,
      turn,
    });
    push(`speech-update:${role}`, { ...speech, timestamp: end, status: 'stopped', role, turn });
    push(`transcript:${role}`, {
      ...transcript,
      timestamp: end + 140,
      role,
      transcriptType: 'final',
      transcript: said.message ?? '',
    });
    const history = artifact.messages.slice(0, index + 1);
    const openAi = artifact.messagesOpenAIFormatted.slice(0, index + 1);
    push('conversation-update', {
      ...conversation,
      timestamp: end + 300,
      messages: history,
      messagesOpenAIFormatted: openAi,
      artifact: { messages: history, messagesOpenAIFormatted: openAi },
    });
  });
  push('status-update:ended', readFixture('status-update-ended.json').message);
  push('end-of-call-report', report.message);

  const ringing = readFixture('status-update-ringing.json').message;
  const ended = readFixture('status-update-ended.json').message;
  const endedCall = { ...(ended.call as Record<string, unknown>) };
  delete endedCall.startedAt;
  endedCall.endedReason = 'customer-did-not-answer';
  const noAnswerReport = readFixture('end-of-call-report-no-answer.json').message;
  // Moves the no-answer report onto the fixture call's timeline, 9 s after its ended update.
  const shift = (ended.timestamp as number) + 9000 - (noAnswerReport.timestamp as number);
  const noAnswer: Slot[] = [
    { label: 'status-update:ringing', template: JSON.stringify({ message: ringing }) },
    {
      label: 'status-update:ended',
      template: JSON.stringify({
        message: {
          ...ended,
          endedReason: 'customer-did-not-answer',
          call: endedCall,
          artifact: { messages: [], messagesOpenAIFormatted: [], transcript: '' },
        },
      }),
    },
    {
      label: 'end-of-call-report',
      template: shiftTimes(JSON.stringify({ message: noAnswerReport }), shift)
        .split(NO_ANSWER_CALL_ID)
        .join(FIXTURE_CALL_ID)
        .split(NO_ANSWER_CUSTOMER)
        .join(FIXTURE_CUSTOMER),
    },
  ];
  const built = { answered, noAnswer };
  slotCache.set(key, built);
  return built;
}

const ISO_TIME = /20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const EPOCH_MS = /(?<![\d.])17\d{11}(?:\.\d+)?(?![\d.])/g;

/** Shifts every ISO timestamp and every epoch-ms number in a JSON text by `ms`. */
function shiftTimes(json: string, ms: number): string {
  if (ms === 0) return json;
  return json
    .replace(ISO_TIME, (iso) => new Date(Date.parse(iso) + ms).toISOString())
    .replace(EPOCH_MS, (n) => String(Math.round(Number(n) + ms)));
}

/** Every occurrence of the fixture call id replaced by `callId`. */
export function withCallId(template: string, callId: string): string {
  return template.split(FIXTURE_CALL_ID).join(callId);
}

/** The events of call `index`, in the order VAPI sends them. Deterministic. */
export function callEvents(index: number, options: WorkloadOptions = {}): WorkloadEvent[] {
  const { namespace, turns = 11, spacingMs = 2000, noAnswerEvery = 10, storageOrigin } = options;
  const callId = workloadCallId(index, namespace);
  const noAnswer = noAnswerEvery > 0 && index % noAnswerEvery === noAnswerEvery - 1;
  const { answered, noAnswer: unanswered } = slots(turns);
  const customer = `+1415${String(5_000_000 + (index % 5_000_000)).padStart(7, '0')}`;
  const cost = (0.05 + (index % 97) * 0.0013).toFixed(4);
  const endedReason = index % 7 === 3 ? 'assistant-ended-call' : FIXTURE_ENDED_REASON;
  return (noAnswer ? unanswered : answered).map((slot, seq) => {
    let json = shiftTimes(withCallId(slot.template, callId), index * spacingMs)
      .split(FIXTURE_CUSTOMER)
      .join(customer);
    if (!noAnswer) {
      json = json
        .replace(/"cost":0\.0971(?![\d])/g, `"cost":${cost}`)
        .split(`"${FIXTURE_ENDED_REASON}"`)
        .join(`"${endedReason}"`);
      if (storageOrigin !== undefined) json = json.split(VAPI_STORAGE_ORIGIN).join(storageOrigin);
    }
    const at = Number(/"timestamp":(\d+)/.exec(json)?.[1] ?? 0);
    return {
      callIndex: index,
      callId,
      seq,
      label: slot.label,
      at,
      body: Buffer.from(json, 'utf8'),
    };
  });
}

/**
 * All events of calls `[first, first + count)`: each call in VAPI's order, calls interleaved by
 * timestamp as they would be on the wire.
 */
export function generateWorkload(
  count: number,
  options: WorkloadOptions & { first?: number } = {},
): WorkloadEvent[] {
  const first = options.first ?? 0;
  const events: WorkloadEvent[] = [];
  for (let i = first; i < first + count; i += 1) events.push(...callEvents(i, options));
  // Stable sort: equal timestamps keep their per-call order.
  return events.sort((a, b) => a.at - b.at);
}

/**
 * An endless stream of calls for load generation: yields events in wire order, keeping about
 * `openCalls` calls in flight at once so the mix stays that of many concurrent calls. The
 * stream starts in steady state: the first `openCalls` calls join at staggered points of their
 * conversation (their earlier events are never sent), as if they had begun before the
 * measurement; otherwise the first tens of thousands of events would all be call openings.
 */
export function* eventStream(
  options: WorkloadOptions & { openCalls?: number; first?: number } = {},
): Generator<WorkloadEvent> {
  const openCalls = options.openCalls ?? 50;
  let next = options.first ?? 0;
  const open: { events: WorkloadEvent[]; pos: number }[] = [];
  for (let k = 0; k < openCalls; k += 1) {
    const events = callEvents(next, options);
    open.push({ events, pos: Math.floor((k * events.length) / openCalls) });
    next += 1;
  }
  for (;;) {
    while (open.length < openCalls) {
      open.push({ events: callEvents(next, options), pos: 0 });
      next += 1;
    }
    // Round-robin keeps every open call progressing, so each call's events stay in order.
    for (let i = 0; i < open.length; i += 1) {
      const call = open[i];
      yield call.events[call.pos];
      call.pos += 1;
      if (call.pos === call.events.length) {
        open.splice(i, 1);
        i -= 1;
      }
    }
  }
}

/** A seeded Fisher–Yates shuffle (mulberry32), so a drill's order is reproducible. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The fixture's small status update (~2.6 KB, as pretty-printed as the file), with the fixture call id. */
export function smallStatusUpdateTemplate(): string {
  return readFileSync(join(FIXTURE_DIR, 'status-update-ringing.json'), 'utf8');
}

/**
 * An end-of-call report grown to at least `targetBytes` by a longer conversation (more turns in
 * the artifact), as JSON text with the fixture call id.
 */
export function largeEndOfCallReportTemplate(targetBytes = 100 * 1024): string {
  const body = readFixture('end-of-call-report.json');
  const artifact = body.message.artifact as {
    messages: ArtifactMessage[];
    messagesOpenAIFormatted: unknown[];
  };
  const turns = artifact.messages.slice(1);
  const turnsOpenAi = artifact.messagesOpenAIFormatted.slice(1);
  while (JSON.stringify(body).length < targetBytes) {
    artifact.messages.push(...turns);
    artifact.messagesOpenAIFormatted.push(...turnsOpenAi);
  }
  return JSON.stringify(body);
}
