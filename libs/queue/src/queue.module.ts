import { BullModule, getQueueToken } from '@nestjs/bullmq';
import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { setDefaultBackendFactory, type Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueRole, queueBackend } from './queue-backend';
import { QueueName } from './queue.constants';
import { defaultJobOptions } from './queue.options';

const ALL_QUEUES = Object.values(QueueName);

/** How long boot waits for the queues of a `readyAtBoot` backend before going on. */
const BOOT_READY_TIMEOUT_MS = 30_000;

/**
 * Logs queue connection errors, so none is left for the EventEmitter to report as unhandled,
 * and waits for the queues at boot when the backend asks for it.
 */
@Injectable()
class QueueErrorLogger implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(getQueueToken(QueueName.CallEvents)) private readonly callEvents: Queue,
    @Inject(getQueueToken(QueueName.Transcripts)) private readonly transcripts: Queue,
    @Inject(getQueueToken(QueueName.Recordings)) private readonly recordings: Queue,
    @Inject(getQueueToken(QueueName.Maintenance)) private readonly maintenance: Queue,
  ) {}

  onModuleInit(): void {
    for (const queue of [this.callEvents, this.transcripts, this.recordings, this.maintenance]) {
      queue.on('error', (error: Error) =>
        this.logger.error(`queue ${queue.name}: ${error.message}`),
      );
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!queueBackend(this.config).readyAtBoot) return;
    const queues = [this.callEvents, this.transcripts, this.recordings, this.maintenance];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn(`queues not ready after ${BOOT_READY_TIMEOUT_MS} ms; going on`);
        resolve();
      }, BOOT_READY_TIMEOUT_MS);
    });
    // One at a time: each runs BullMQ's migration check under the same advisory lock.
    const ready = (async () => {
      for (const queue of queues) await queue.waitUntilReady();
    })().catch((error: unknown) =>
      this.logger.warn(
        `queues not ready at boot: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    await Promise.race([ready, timeout]);
    clearTimeout(timer);
  }
}

/**
 * BullMQ wiring for both sides: the backend (Redis or PostgreSQL, `queueBackend`), its
 * connection and key prefix from `APP_CONFIG`, every queue
 * registered with its default job options, and the queues exported for `@InjectQueue`.
 * An application uses one side only: `forProducer()` (api, may be imported by several of its
 * modules) or `forWorker()` (worker).
 */
@Module({})
export class QueueModule {
  // One module object per side, so importing it from several feature modules shares the queues.
  private static producer?: DynamicModule;
  private static consumer?: DynamicModule;

  /** For the api: enqueues fail fast while Redis is down instead of hanging the request. */
  static forProducer(): DynamicModule {
    return (QueueModule.producer ??= QueueModule.build('producer', {
      skipWaitingForReady: true,
    }));
  }

  /** For the worker: connections wait and reconnect forever, as BullMQ workers require. */
  static forWorker(): DynamicModule {
    return (QueueModule.consumer ??= QueueModule.build('worker', {}));
  }

  private static build(
    role: QueueRole,
    queueOptions: { skipWaitingForReady?: boolean },
  ): DynamicModule {
    const queues = BullModule.registerQueueAsync(
      ...ALL_QUEUES.map((name) => ({
        name,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          ...queueOptions,
          defaultJobOptions: defaultJobOptions(name, config),
        }),
      })),
    );
    return {
      global: true,
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const backend = queueBackend(config);
            // @nestjs/bullmq constructs Queue and Worker without a backend argument, so the
            // choice is made process-wide, before the first queue exists (they inject this).
            setDefaultBackendFactory(backend.factory);
            return backend.options(role);
          },
        }),
        queues,
      ],
      providers: [QueueErrorLogger],
      exports: [queues],
    };
  }
}
