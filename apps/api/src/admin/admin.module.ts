import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { QueueModule } from '@app/queue';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminController } from './admin.controller';

/**
 * Admin endpoints under `/api/admin` (replay), behind the same Basic auth as Bull Board.
 * Without ADMIN_USERNAME and ADMIN_PASSWORD nothing is mounted, so they answer 404.
 */
@Module({})
export class AdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.admin === undefined) return { module: AdminModule };
    return {
      module: AdminModule,
      imports: [QueueModule.forProducer()],
      controllers: [AdminController],
      providers: [AdminAuthGuard],
    };
  }
}
