import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Every key and channel of this server starts with this, unless told otherwise. */
export const DEFAULT_REDIS_PREFIX = 'liveblog:';

/**
 * A request that waits on Redis gives up after this: a reader's page or stream must not hang
 * on a Redis that stopped answering (each user of Redis then falls back as it says).
 */
const COMMAND_TIMEOUT_MS = 2000;

export interface RedisConnectionOptions {
  /** Begins every key and channel name: two servers (or two tests) can share one Redis. */
  prefix?: string;
  /** Names this process among those sharing the Redis; random by default. */
  processId?: string;
  /** Told of every error of a connection, by its role (`commands`, `pubsub`): the metrics. */
  onError?: (role: string) => void;
}

/**
 * The connection to the Redis that several processes of the server share (REDIS_URL), and
 * the names of what they keep there. Redis may restart or blip: the connection reconnects by
 * itself, errors are logged (never thrown at the process: an unhandled 'error' event would
 * crash it), and what is kept there is only ephemeral state each process can rebuild.
 */
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;
  /** This process: what it keeps under its id vanishes a few seconds after it dies. */
  readonly processId: string;
  private readonly subscribers: Redis[] = [];
  private readonly logger = new Logger(RedisConnection.name);
  private readonly onError?: (role: string) => void;

  constructor(url: string, options: RedisConnectionOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.onError = options.onError;
    this.processId =
      options.processId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.client = this.watched(
      new Redis(url, {
        commandTimeout: COMMAND_TIMEOUT_MS,
        // A command waits through a few reconnection attempts (~1 s), not the default 20.
        maxRetriesPerRequest: 3,
      }),
      'commands',
    );
  }

  /** The key `<prefix><part>:<part>…`. */
  key(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * A pub/sub channel's name. Unlike keys, channels are shared by all of a Redis's databases,
   * so the database index is part of the name: servers on databases 1 and 2 do not cross-talk.
   */
  channel(name: string): string {
    return `${this.prefix}db${this.client.options.db ?? 0}:${name}`;
  }

  /**
   * A connection of its own for SUBSCRIBE (a subscribed connection runs no other command),
   * closed with this one. ioredis subscribes again by itself after reconnecting.
   */
  subscriber(): Redis {
    // No command timeout: a subscribed connection waits for messages, not for answers.
    const subscriber = this.watched(this.client.duplicate({ commandTimeout: undefined }), 'pubsub');
    this.subscribers.push(subscriber);
    return subscriber;
  }

  /** Closes every connection once what was sent has been answered. */
  async close(): Promise<void> {
    const connections = [...this.subscribers.splice(0), this.client];
    await Promise.all(
      connections
        .filter((connection) => connection.status !== 'end')
        .map((connection) => connection.quit().catch(() => connection.disconnect())),
    );
  }

  /** After the app's last hooks: a stopping app still reports its last views through it. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Logs an outage once when it starts and once when it ends, not at each reconnection. */
  private watched(connection: Redis, role: string): Redis {
    let failing = false;
    connection.on('error', (error: Error) => {
      this.onError?.(role);
      if (failing) return;
      failing = true;
      this.logger.error(`Redis (${role}): ${error.message}; reconnecting`);
    });
    connection.on('ready', () => {
      if (!failing) return;
      failing = false;
      this.logger.log(`Redis (${role}): connected again`);
    });
    return connection;
  }
}
