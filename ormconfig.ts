import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:*`), on the app's own configuration:
 * the SQLite file, or PostgreSQL when DATABASE_URL is set.
 */
export default new DataSource(dataSourceOptions(loadConfig(process.env, { signsSessions: false })));
