import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { buildDataSourceOptions } from './data-source-options';

export { buildDataSourceOptions } from './data-source-options';

/**
 * For the TypeORM CLI only (`typeorm migration:generate -d dist/libs/database/src/data-source.js`).
 * Not exported from the barrel: importing it reads process.env.
 */
export default new DataSource(buildDataSourceOptions(loadConfig()));
