export * from './data-dir';
export * from './embedded-database';
