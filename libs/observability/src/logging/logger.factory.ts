import { hostname } from 'node:os';
import { DynamicModule, RequestMethod } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { AppConfig } from '@app/config';
import { requestIdOf } from './request-id';

/** Which process a log line comes from (the `app` field of every line). */
export type AppName = 'api' | 'worker';

/** Test seams: where log lines go instead of stdout. */
export interface LoggingOptions {
  /** Receives every JSON line (pretty printing is then off). */
  destination?: DestinationStream;
}

/** Probe routes whose requests are not logged one by one (they are scraped every few seconds). */
const PROBE_URL = /^\/(?:health|metrics)(?:[/?]|$)/;

/** Header names whose values are credentials, whatever the configured auth modes. */
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'x-vapi-secret',
  'x-vapi-signature',
  'x-signature',
];

let firstRoot: Logger | undefined;

/** Log paths that hold credentials: request auth headers (fixed and configured) and cookies. */
export function redactPaths(config: AppConfig): string[] {
  const headers = new Set(
    [...SECRET_HEADERS, config.auth.bearer.header, config.auth.hmac.signatureHeader].map((h) =>
      h.toLowerCase(),
    ),
  );
  return [
    ...[...headers].map((h) => `req.headers[${JSON.stringify(h)}]`),
    'res.headers["set-cookie"]',
  ];
}

/**
 * The root pino logger of an app: JSON lines (level as a label, ISO time, `app` field), level from
 * LOG_LEVEL, credentials redacted; pretty lines when LOG_PRETTY is on and pino-pretty is installed.
 */
export function createRootLogger(
  config: AppConfig,
  app: AppName,
  options: LoggingOptions = {},
): Logger {
  const common: LoggerOptions = {
    level: config.log.level,
    base: { app, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(config), censor: '[redacted]' },
  };
  let logger: Logger;
  if (options.destination !== undefined) {
    logger = pino(
      { ...common, formatters: { level: (label) => ({ level: label }) } },
      options.destination,
    );
  } else if (config.log.pretty && prettyIsInstalled()) {
    // pino-pretty is a devDependency: referenced only here, so production images never load it.
    logger = pino({
      ...common,
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  } else {
    logger = pino({ ...common, formatters: { level: (label) => ({ level: label }) } });
  }
  firstRoot ??= logger;
  return logger;
}

/**
 * The logger used outside any request or job scope. Like nestjs-pino's own fallback, the first
 * root logger created in the process wins.
 */
export function rootLogger(): Logger | undefined {
  return firstRoot;
}

/** The webhook intake paths (default and per tenant), with or without trailing slash or query. */
const WEBHOOK_URL = /^\/api\/webhook\/vapi(\/[a-z0-9-]+)?\/?(\?|$)/;

/**
 * Routes pino-http leaves alone because they log themselves with `logRequestCompletion` and
 * `inRequestScope`: pino-http builds two child loggers per request, one of which serialises the
 * whole request (headers, redaction) before the handler runs, whether or not a line is ever
 * written. On the webhook, thousands of times a second, that was a tenth of the api's CPU.
 * Paths are without the global prefix (`api`), which Nest adds.
 */
export const SELF_LOGGED_ROUTES = [
  { path: 'webhook/vapi', method: RequestMethod.POST },
  { path: 'webhook/vapi/:tenant', method: RequestMethod.POST },
];

/** The level of a request's completion line: errors, refusals, then the steady state. */
function completionLevel(
  method: string | undefined,
  url: string,
  statusCode: number,
  failed: boolean,
): 'error' | 'warn' | 'debug' | 'info' {
  if (failed || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  // An accepted webhook is the steady state (thousands a second under load): its line is
  // debug, so at the default level only failures and the read/admin API are logged.
  return method === 'POST' && WEBHOOK_URL.test(url) ? 'debug' : 'info';
}

/**
 * The completion line of a request on a self-logged route, as pino-http writes it (`reqId`,
 * `req`, `res`, `responseTime`, `err` on failures, same redaction), for a Fastify `onResponse`
 * hook. Nothing is serialised unless the line's level is enabled, so an accepted webhook at the
 * default level costs one comparison.
 */
export function logRequestCompletion(request: FastifyRequest, reply: FastifyReply): void {
  const root = PinoLogger.root as Logger | undefined;
  if (root === undefined) return;
  const status = reply.statusCode;
  const level = completionLevel(request.method, request.url, status, false);
  if (!root.isLevelEnabled(level)) return;
  const responseTime = Math.round(reply.elapsedTime);
  const log = root.child({ reqId: request.id });
  if (status >= 500) {
    const err = new Error(`failed with status code ${status}`);
    log[level]({ req: request, res: reply.raw, err, responseTime }, 'request errored');
  } else {
    log[level]({ req: request, res: reply.raw, responseTime }, 'request completed');
  }
}

/**
 * Runs `work` with the request's logger in scope, so Nest `Logger` lines it writes carry
 * `reqId`, as pino-http's middleware arranges for other routes. For the rare lines of a
 * self-logged route (its steady state writes none), so the scope is only paid for when used.
 */
export function inRequestScope<T>(requestId: string, work: () => T): T {
  const root = PinoLogger.root as Logger | undefined;
  if (root === undefined) return work();
  return storage.run(new Store(root.child({ reqId: requestId })), work);
}

/**
 * nestjs-pino's `LoggerModule` for an app. In the api every line logged while serving a request
 * carries `reqId`, and one line per request is logged when it completes (not for /health and
 * /metrics). In the worker (no HTTP) it provides the same JSON logger to Nest's `Logger`.
 * Apps must create themselves with `bufferLogs: true`, then `app.useLogger(app.get(Logger))`.
 */
export function loggerModule(
  config: AppConfig,
  app: AppName,
  options: LoggingOptions = {},
): DynamicModule {
  const pinoHttp: PinoHttpOptions = {
    logger: createRootLogger(config, app, options),
    genReqId: (req) => requestIdOf(req),
    // Binds only `reqId` to lines logged during a request; the completion line has req and res.
    quietReqLogger: true,
    // middie rewrites `req.url` for mounted middleware; `originalUrl` is what the client sent.
    autoLogging: {
      ignore: (req) =>
        PROBE_URL.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? ''),
    },
    customLogLevel: (req, res, error) =>
      completionLevel(
        req.method,
        (req as { originalUrl?: string }).originalUrl ?? req.url ?? '',
        res.statusCode,
        error !== undefined,
      ),
  };
  // Every path, in path-to-regexp 8 syntax (nestjs-pino's default `*` draws a warning).
  return LoggerModule.forRoot({
    pinoHttp,
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    exclude: SELF_LOGGED_ROUTES,
  });
}

function prettyIsInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
