export * from './queue.constants';
export * from './queue.module';
export * from './queue.options';
export * from './redis-connection';
export * from './queue-backend';
export * from './queue-probe';
