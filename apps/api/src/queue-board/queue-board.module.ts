import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '@app/config';
import { QueueModule, QueueName } from '@app/queue';
import { BOARD_ROUTE, installBoardAuth } from './board-auth.hook';

/** Says once at boot why the board is missing. */
@Injectable()
class BoardDisabledNotice implements OnModuleInit {
  onModuleInit(): void {
    new Logger('QueueBoard').warn(
      `ADMIN_USERNAME and ADMIN_PASSWORD are not both set: Bull Board (${BOARD_ROUTE}) is not mounted.`,
    );
  }
}

/** Marker for the provider that installs the board's auth hooks when it is created. */
const BOARD_AUTH = Symbol('BOARD_AUTH');

/**
 * Bull Board at `/admin/queues` over every queue (retry, clean and the other actions enabled),
 * behind HTTP Basic auth from ADMIN_USERNAME / ADMIN_PASSWORD. Without both, nothing is mounted.
 */
@Module({})
export class QueueBoardModule {
  /** The board and its auth hooks, or only a boot warning when the credentials are not set. */
  static forRoot(config: AppConfig): DynamicModule {
    const credentials = config.admin;
    if (credentials === undefined) {
      return { module: QueueBoardModule, providers: [BoardDisabledNotice] };
    }
    return {
      module: QueueBoardModule,
      imports: [
        QueueModule.forProducer(),
        BullBoardModule.forRoot({
          route: BOARD_ROUTE,
          adapter: FastifyAdapter,
          boardOptions: { uiConfig: { boardTitle: 'vapi-hooks' } },
        }),
        BullBoardModule.forFeature(
          ...Object.values(QueueName).map((name) => ({
            name,
            adapter: BullMQAdapter,
            options: { readOnlyMode: false, allowRetries: true },
          })),
        ),
      ],
      providers: [
        {
          // Installed while providers are created, before the board's Fastify plugin loads
          // (at init), so the plugin's routes inherit the hooks.
          provide: BOARD_AUTH,
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost): true => {
            installBoardAuth(host.httpAdapter.getInstance<FastifyInstance>(), credentials);
            return true;
          },
        },
      ],
    };
  }
}
