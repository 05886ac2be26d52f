import { hostname } from 'node:os';
import { DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
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

/**
 * nestjs-pino's `LoggerModule` for an app. In the api every line logged while serving a request
 * carries `reqId`, and one line per request is logged when it completes (not for /health and
 * /metrics). In the worker (no HTTP) it provides the same JSON logger to Nest's `Logger`.
 * Apps must create themselves with `bufferLogs: true`, then `app.useLogger(app.get(Logger))`.
 */
/** The webhook intake path, with or without trailing slash or query. */
const WEBHOOK_URL = /^\/api\/webhook\/vapi\/?(\?|$)/;

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
    customLogLevel: (req, res, error) => {
      if (error !== undefined || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      // An accepted webhook is the steady state (thousands a second under load): its line is
      // debug, so at the default level only failures and the read/admin API are logged.
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
      return req.method === 'POST' && WEBHOOK_URL.test(url) ? 'debug' : 'info';
    },
  };
  // Every path, in path-to-regexp 8 syntax (nestjs-pino's default `*` draws a warning).
  return LoggerModule.forRoot({
    pinoHttp,
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
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
