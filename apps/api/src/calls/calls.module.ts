import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CallStreamController } from './call-stream.controller';
import { CallStreamHub } from './call-stream.hub';
import { CallsController } from './calls.controller';
import { CallsQueryService } from './calls-query.service';
import { LiveReadGuard } from './live-read.guard';
import { ReadApiGuard } from './read-api.guard';
import { RecordingController } from './recording.controller';
import { StreamTickets } from './stream-tickets';

@Module({
  controllers: [CallsController, CallStreamController, RecordingController],
  providers: [
    CallsQueryService,
    ReadApiGuard,
    LiveReadGuard,
    CallStreamHub,
    {
      provide: StreamTickets,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const tickets = new StreamTickets(config.tenancy.secretsKeys[0], config.stream.ticketTtlMs);
        if (!tickets.keyIsShared && config.env === 'production') {
          new Logger('StreamTickets').warn(
            'SECRETS_KEY is not set: stream tickets are signed with a key of this process only, so a browser must reach the api process that issued its ticket.',
          );
        }
        return tickets;
      },
    },
  ],
})
export class CallsModule {}
