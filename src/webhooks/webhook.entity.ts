import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';

/**
 * A URL that gets every durable event of one blog, or of all blogs, POSTed to it, signed with
 * its secret. It keeps its own cursor into the event log, so its deliveries go in event order
 * and a restart resumes where it stopped; the delivery state lives on the row, so any process
 * can take over.
 */
@Entity('webhooks')
export class Webhook {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 2000 })
  url!: string;

  /** The blog whose events it gets; null for every blog's. A blog's webhooks go with it. */
  @Index()
  @Column({ type: 'integer', nullable: true })
  blogId!: number | null;

  @ManyToOne(() => Blog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blogId' })
  blog?: Blog | null;

  /** Signs each request; kept as is, since signing needs it (unlike API tokens' hashes). */
  @Column({ type: 'varchar', length: 100 })
  secret!: string;

  /** A paused webhook gets nothing; resumed, it gets what was published meanwhile. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /**
   * The newest event it has dealt with (delivered, given up on, or not of its blog). Set to
   * the newest event of the log when it is made, so it does not replay history.
   */
  @Column({ type: 'integer' })
  lastEventId!: number;

  /** Failed attempts at the event after lastEventId; 0 while healthy. */
  @Column({ type: 'integer', default: 0 })
  failedAttempts!: number;

  /** When the first of those attempts failed: retries stop a day (WEBHOOK_GIVE_UP_MS) after. */
  @Column({ type: Date, nullable: true })
  retryingSince!: Date | null;

  /** No attempt before this time (the backoff of a failure). */
  @Column({ type: Date, nullable: true })
  nextAttemptAt!: Date | null;

  /**
   * The process sending for this webhook and until when: one sender at a time, so events go
   * out once and in order whatever the number of processes. A crashed holder's lease runs out.
   */
  @Column({ type: 'varchar', length: 36, nullable: true })
  leaseOwner!: string | null;

  @Column({ type: Date, nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'integer', nullable: true })
  createdById!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'createdById' })
  createdBy?: User | null;

  @Column({ type: Date })
  createdAt!: Date;
}
