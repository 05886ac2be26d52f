import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger as JsonLogger, PinoLogger } from 'nestjs-pino';
import { loadConfig } from '@app/config';
import { WithJobContext, runInJobContext } from './job-context';
import { loggerModule } from './logger.factory';

const job = (id: string) => ({
  id,
  name: 'apply-call-event',
  queueName: 'call-events',
  attemptsMade: 2,
});

class FakeProcessor {
  private readonly logger = new Logger('FakeProcessor');
  readonly seen: unknown[] = [];

  @WithJobContext()
  async process(job: { id?: string; name: string; queueName: string; attemptsMade: number }) {
    this.logger.log('before await');
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.logger.log('after await');
    this.seen.push(this);
    return `done ${job.id}`;
  }
}

describe(runInJobContext.name, () => {
  const lines: Record<string, unknown>[] = [];
  let pino: PinoLogger;

  beforeAll(async () => {
    // The first logger module of the process becomes nestjs-pino's out-of-context logger.
    const config = loadConfig({ LOG_LEVEL: 'info' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        loggerModule(config, 'worker', {
          destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
        }),
      ],
    }).compile();
    // As `app.useLogger(app.get(Logger))` does in the apps.
    Logger.overrideLogger(moduleRef.get(JsonLogger));
    pino = await moduleRef.resolve(PinoLogger);
  });
  beforeEach(() => {
    lines.length = 0;
  });

  it('binds jobId, queue, job and attempt to Nest Logger and PinoLogger lines, across awaits', async () => {
    await runInJobContext(job('j-1'), async () => {
      new Logger('Service').log('one');
      await new Promise((resolve) => setTimeout(resolve, 5));
      pino.info('two');
    });
    expect(lines.map((l) => l.msg)).toEqual(['one', 'two']);
    for (const line of lines) {
      expect(line).toMatchObject({
        jobId: 'j-1',
        queue: 'call-events',
        job: 'apply-call-event',
        attempt: 3,
      });
    }
  });

  it('keeps concurrent jobs apart', async () => {
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        runInJobContext(job(id), async () => {
          await new Promise((resolve) => setTimeout(resolve, id === 'a' ? 10 : 1));
          new Logger('Service').log(`line of ${id}`);
        }),
      ),
    );
    for (const line of lines) expect(line.msg).toBe(`line of ${String(line.jobId)}`);
    expect(lines).toHaveLength(3);
  });

  it('leaves lines outside a job without job fields', () => {
    new Logger('Service').log('outside');
    expect(lines[0]).not.toHaveProperty('jobId');
  });

  it('as a decorator, wraps process(job) keeping `this` and the result', async () => {
    const processor = new FakeProcessor();
    await expect(processor.process(job('j-2'))).resolves.toBe('done j-2');
    expect(processor.seen).toEqual([processor]);
    expect(lines.map((l) => [l.msg, l.jobId])).toEqual([
      ['before await', 'j-2'],
      ['after await', 'j-2'],
    ]);
  });

  it('passes a rejection through', async () => {
    await expect(
      runInJobContext(job('j-3'), () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
  });
});
