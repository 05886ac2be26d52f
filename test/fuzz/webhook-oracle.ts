import { WebhookValidationError, normalizeWebhook, type CallEvent } from '@app/vapi';
import { JSON_CONTENT_TYPES, type WebhookCase } from './arbitraries/webhook-requests';

/** What a request deserves, judged without the api: the properties compare the api with it. */
export type Expectation =
  /** Authenticated, JSON, and a body the normaliser accepts: must be answered 2xx. */
  | { accept: true; event: CallEvent; body: unknown }
  /** Anything else: must be refused with a 4xx and a reason, and enqueue nothing. */
  | { accept: false; why: string };

/** What came back: a status and a body, or the transport error (a reset, a hang-up). */
export interface Reply {
  status: number;
  body?: string;
  error?: string;
}

/**
 * What is wrong with a reply (empty when nothing): never a 5xx or a lost connection; a refusal is
 * a 4xx with a reason, and only for what must be refused; an acceptance only for what must be
 * accepted, with the answer VAPI needs. (Whether the queue agrees is the caller's to check.)
 */
export function judgeReply(
  expected: Expectation,
  reply: Reply,
  expectsAnswer: (event: CallEvent) => boolean,
): string[] {
  const text = reply.body ?? '';
  if (reply.status === 0) return [`no answer: ${reply.error ?? 'connection closed'}`];
  if (reply.status >= 500) return [`${reply.status}: ${text.slice(0, 300)}`];
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return [`${reply.status} answer is not JSON: ${text.slice(0, 200)}`];
  }
  if (reply.status >= 400) {
    const message = (answer as { message?: unknown } | null)?.message;
    const problems: string[] = [];
    if (typeof message !== 'string' || message.trim() === '') {
      problems.push(`${reply.status} without a reason: ${text.slice(0, 200)}`);
    }
    if (expected.accept) {
      problems.push(
        `refused a valid ${expected.event.kind} with ${reply.status}: ${String(message)}`,
      );
    }
    return problems;
  }
  if (!expected.accept)
    return [`accepted (${reply.status}) what must be refused (${expected.why})`];
  return answerProblems(expected.event, expected.body, answer, expectsAnswer(expected.event));
}

/** Bodies are read as UTF-8 (RFC 8259 §8.1), whatever charset a sender claims. */
export function expectationOf(c: WebhookCase, bytes: Buffer): Expectation {
  if (!c.auth.valid) return { accept: false, why: `auth: ${c.auth.mode}` };
  if (c.contentType === undefined || !JSON_CONTENT_TYPES.includes(c.contentType)) {
    return { accept: false, why: `content type ${String(c.contentType)}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { accept: false, why: 'not JSON' };
  }
  try {
    return { accept: true, event: normalizeWebhook(body), body };
  } catch (error) {
    if (error instanceof WebhookValidationError) return { accept: false, why: error.message };
    // The normaliser must refuse bad input with its own error, never crash on it.
    throw error;
  }
}

/** A toolCallId VAPI can match an answer to: a non-empty string or a number, on an object item. */
export function readableToolCallIds(body: unknown): string[] {
  const message = (body as { message?: unknown })?.message;
  if (typeof message !== 'object' || message === null) return [];
  const m = message as Record<string, unknown>;
  const items: unknown[] = Array.isArray(m.toolCallList)
    ? m.toolCallList
    : Array.isArray(m.toolWithToolCallList)
      ? m.toolWithToolCallList.map((t: unknown) =>
          typeof t === 'object' && t !== null ? (t as { toolCall?: unknown }).toolCall : undefined,
        )
      : [];
  return items.flatMap((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return [];
    const id = (item as { id?: unknown }).id;
    if (typeof id === 'string' && id !== '') return [id];
    if (typeof id === 'number' && Number.isFinite(id)) return [String(id)];
    return [];
  });
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Problems with a 2xx answer to an accepted event, empty when it is what VAPI needs:
 * tool-calls → a result or an error per readable toolCallId (single-line strings);
 * assistant-request → an assistant, an assistantId or an error; transfer-destination-request →
 * a destination or an error; knowledge-base-request → documents; anything else → `{}`.
 */
export function answerProblems(
  event: CallEvent,
  body: unknown,
  answer: unknown,
  expectsAnswer: boolean,
): string[] {
  if (!isObject(answer)) return [`answer is not an object: ${JSON.stringify(answer)}`];
  if (!expectsAnswer) {
    return Object.keys(answer).length === 0 ? [] : [`fire-and-forget ${event.kind} got a body`];
  }
  switch (event.kind) {
    case 'tool-calls': {
      if (!Array.isArray(answer.results)) return ['tool-calls answer has no results array'];
      const problems: string[] = [];
      const answered = new Set<string>();
      for (const result of answer.results as unknown[]) {
        if (!isObject(result) || typeof result.toolCallId !== 'string') {
          problems.push(`malformed result ${JSON.stringify(result)}`);
          continue;
        }
        answered.add(result.toolCallId);
        const text = result.result ?? result.error;
        if (
          typeof text !== 'string' ||
          (result.result !== undefined) === (result.error !== undefined)
        ) {
          problems.push(
            `result ${result.toolCallId} needs exactly one of result/error as a string`,
          );
        } else if (/[\r\n]/.test(text)) {
          problems.push(`result ${result.toolCallId} spans several lines`);
        }
      }
      for (const id of readableToolCallIds(body)) {
        if (!answered.has(id)) problems.push(`toolCallId ${id} got no result`);
      }
      return problems;
    }
    case 'assistant-request':
      return isNonEmptyString(answer.assistantId) ||
        isObject(answer.assistant) ||
        isNonEmptyString(answer.error)
        ? []
        : ['assistant-request answer has no assistant, assistantId or error'];
    case 'transfer-destination-request':
      return isObject(answer.destination) || isNonEmptyString(answer.error)
        ? []
        : ['transfer-destination-request answer has no destination or error'];
    case 'knowledge-base-request':
      return Array.isArray(answer.documents) || isNonEmptyString(answer.error)
        ? []
        : ['knowledge-base-request answer has no documents or error'];
    default:
      return [];
  }
}
