import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BasicAuthChecker, BOARD_CHALLENGE } from './basic-auth';

/** Where Bull Board is mounted (outside the `api` global prefix: see app.factory.ts). */
export const BOARD_ROUTE = '/admin/queues';

// Matches the board's routes with or without a global prefix in front, so a change of prefix
// can move the board but never leave it unprotected.
const UNDER_BOARD = /^(?:\/[^/]+)*\/admin\/queues(?:\/|$)/i;

function pathOf(url: string): string {
  const path = url.split('?', 1)[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** True for every request Bull Board would serve: its page, static assets and JSON API. */
export function isBoardRequest(request: Pick<FastifyRequest, 'url' | 'routeOptions'>): boolean {
  const route = request.routeOptions.url;
  return (route !== undefined && UNDER_BOARD.test(route)) || UNDER_BOARD.test(pathOf(request.url));
}

/**
 * Protects Bull Board with HTTP Basic auth through Fastify hooks on the root instance (Nest
 * middleware never runs for the board's Fastify plugin). Must be installed before the board's
 * plugin loads, i.e. while providers are being created, so the plugin inherits the hooks.
 */
export function installBoardAuth(
  fastify: FastifyInstance,
  credentials: { username: string; password: string },
): void {
  const checker = new BasicAuthChecker(credentials);
  // The board is not a Nest route, so request logging misses it: its own lines carry the reqId.
  const logger = new Logger('QueueBoard');
  // Callback-style hooks: answering without calling `done` ends the request there.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isBoardRequest(request)) {
      done();
      return;
    }
    const line = { reqId: request.id, method: request.method, url: request.url };
    if (checker.accepts(request.headers.authorization)) {
      // Changes made through the board (retry, clean, add, ...) leave an audit line.
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        logger.log({ ...line, msg: 'board action' });
      }
      done();
      return;
    }
    logger.warn({ ...line, msg: 'board request refused: missing or wrong credentials' });
    void reply
      .code(401)
      .header('WWW-Authenticate', BOARD_CHALLENGE)
      .header('Cache-Control', 'no-store')
      .send({ statusCode: 401, message: 'Authentication required' });
  });
  // The app keeps JSON bodies as raw bytes for webhook signatures; the board's API wants objects.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!Buffer.isBuffer(request.body) || !isBoardRequest(request)) {
      done();
      return;
    }
    const text = request.body.toString('utf8');
    try {
      request.body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    } catch {
      void reply.code(400).send({ statusCode: 400, message: 'Request body is not valid JSON.' });
      return;
    }
    done();
  });
}
