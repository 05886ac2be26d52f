import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import type { Queue, RedisOptions } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueName } from './queue.constants';
import { defaultJobOptions, producerConnection, workerConnection } from './queue.options';

const ALL_QUEUES = Object.values(QueueName);

/** Logs queue connection errors, so none is left for the EventEmitter to report as unhandled. */
@Injectable()
class QueueErrorLogger implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(
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
}

/**
 * BullMQ wiring for both sides: the connection and key prefix from `APP_CONFIG`, every queue
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
    return (QueueModule.producer ??= QueueModule.build(producerConnection, {
      skipWaitingForReady: true,
    }));
  }

  /** For the worker: connections wait and reconnect forever, as BullMQ workers require. */
  static forWorker(): DynamicModule {
    return (QueueModule.consumer ??= QueueModule.build(workerConnection, {}));
  }

  private static build(
    connection: (config: AppConfig) => RedisOptions,
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
          useFactory: (config: AppConfig) => ({
            connection: connection(config),
            prefix: config.redis.prefix,
          }),
        }),
        queues,
      ],
      providers: [QueueErrorLogger],
      exports: [queues],
    };
  }
}
