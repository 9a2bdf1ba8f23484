import { dropTestDatabases } from './test-app';

/** test:cluster runs the e2e suites on PostgreSQL: each file drops the databases it made. */
afterAll(() => dropTestDatabases());
