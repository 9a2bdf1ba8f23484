import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { storageFailureOf } from '../database/database-errors';
import { PostsService } from './posts.service';

/**
 * How often each process looks for scheduled entries that are due: an entry appears within
 * this (and a commit) of its time. The look is one indexed query on the few scheduled rows.
 */
export const SCHEDULE_POLL_MS = 500;

/**
 * Publishes scheduled entries when they come due, on every process (each entry once: see
 * PostsService.publishDue). The first look is at start, so entries that came due while the
 * server was down are published as it comes up.
 */
@Injectable()
export class ScheduledPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledPublisher.name);
  private timer?: NodeJS.Timeout;
  /** The look under way, if any. */
  private running?: Promise<void>;

  constructor(private readonly postsService: PostsService) {}

  onApplicationBootstrap(): void {
    this.publishDue();
    this.timer = setInterval(() => this.publishDue(), SCHEDULE_POLL_MS);
    this.timer.unref();
  }

  /** Runs before the database closes: a publication under way finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One look at a time: a tick during a slow one is skipped, not queued. */
  private publishDue(): void {
    if (this.running) return;
    this.running = this.postsService
      .publishDue()
      .then((published) => {
        if (published > 0) this.logger.log(`Published ${published} scheduled entries`);
      })
      .catch((error: unknown) => {
        // The next look tries again; a storage that fails (a full disk, PostgreSQL down) is
        // told once by StorageStatus and /health, not twice a second here.
        if (!storageFailureOf(error)) this.logger.error(error);
      })
      .finally(() => (this.running = undefined));
  }
}
