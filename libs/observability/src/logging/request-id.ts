import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** The header a request id is read from and echoed in. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Enough for UUIDs, ULIDs and most tracing ids; nothing that could forge log structure.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const memo = Symbol('vapi-hooks.requestId');

type WithMemo = IncomingMessage & { [memo]?: string };

/**
 * The id of a request: the caller's `x-request-id` when it looks sane, otherwise a random UUID.
 * Memoised on the raw request, so Fastify's `genReqId` and pino-http's agree on one value.
 */
export function requestIdOf(req: IncomingMessage): string {
  const raw = req as WithMemo;
  if (raw[memo] !== undefined) return raw[memo];
  const header = req.headers[REQUEST_ID_HEADER];
  const incoming = Array.isArray(header) ? header[0] : header;
  const id = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  raw[memo] = id;
  return id;
}

/**
 * Fastify `onRequest` hook echoing the request id in the response. Pair it with
 * `genReqId: requestIdOf` in the adapter options so Fastify's `request.id` is the logged `reqId`.
 */
export function echoRequestId(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  void reply.header(REQUEST_ID_HEADER, request.id);
  done();
}
