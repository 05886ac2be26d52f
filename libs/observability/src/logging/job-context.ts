import { storage, Store } from 'nestjs-pino/storage';
import { rootLogger } from './logger.factory';

/** What the log context needs from a BullMQ job. */
export interface JobLogFields {
  id?: string;
  name: string;
  queueName: string;
  attemptsMade: number;
}

/**
 * Runs `work` with a log context bound to the job: every line logged inside it, through Nest's
 * `Logger` or an injected `PinoLogger`, carries `jobId`, `queue`, `job` and `attempt`.
 * Uses nestjs-pino's own async-local store, which needs no HTTP request.
 */
export function runInJobContext<T>(job: JobLogFields, work: () => Promise<T>): Promise<T> {
  const base = storage.getStore()?.logger ?? rootLogger();
  if (base === undefined) return work();
  const logger = base.child({
    jobId: job.id,
    queue: job.queueName,
    job: job.name,
    attempt: job.attemptsMade + 1,
  });
  return storage.run(new Store(logger), work);
}

/**
 * Method decorator for a processor's `process(job)`: runs it inside `runInJobContext(job)`.
 * Applied on the prototype, so `@nestjs/bullmq` binds the wrapped method.
 */
export function WithJobContext(): MethodDecorator {
  return (_target, _key, descriptor) => {
    const original = descriptor.value as unknown as (
      job: JobLogFields,
      ...rest: unknown[]
    ) => unknown;
    const wrapped = function (
      this: unknown,
      job: JobLogFields,
      ...rest: unknown[]
    ): Promise<unknown> {
      return runInJobContext(
        job,
        async () => await (original.call(this, job, ...rest) as Promise<unknown>),
      );
    };
    (descriptor as PropertyDescriptor).value = wrapped;
    return descriptor;
  };
}
