import { Logger } from '@nestjs/common';
import { SetupService } from './auth/setup.service';
import { InvalidConfigError, loadConfig } from './config/app-config';
import { createApp } from './http-app';

/**
 * Connections the kernel queues before the server accepts them (Node's default is 511; Linux
 * caps it at net.core.somaxconn, 4096 here): when every browser reconnects at once after a
 * restart, a short queue drops their SYNs and TCP retries them seconds later.
 */
const LISTEN_BACKLOG = 4096;

/** The contract gives a stopping server 10 s; leave a margin for the process to exit. */
const SHUTDOWN_DEADLINE_MS = 9000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  const logger = new Logger('Liveblog');

  // Not Nest's enableShutdownHooks: it re-raises the signal, and the contract asks for exit 0.
  // Installed before the server announces itself, so a signal right after is handled.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping`);
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // Nest hands listen's arguments on to Node's server.listen(port, host, backlog); its types
  // stop at the host.
  const listen = app.listen.bind(app) as unknown as (
    port: number,
    host: string,
    backlog: number,
  ) => Promise<unknown>;
  await listen(config.PORT, config.HOST, LISTEN_BACKLOG);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  // Printed whatever LOG_LEVEL is: with PORT=0 it is the only way to learn the port.
  console.log(`Liveblog is serving on ${url}`);
  app.get(SetupService).announceSetupLink(url);
}

main().catch((error: unknown) => {
  // A bad configuration is the admin's to fix: one line naming the variable, no stack trace.
  console.error(error instanceof InvalidConfigError ? error.message : error);
  process.exit(1);
});
