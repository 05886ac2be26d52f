import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The calls console at `/console` (and `/`). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
