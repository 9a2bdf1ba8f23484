import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Blog } from '../blogs/blog.entity';
import { DURABLE_EVENT_TYPES, type DurableEventType } from './events';

/**
 * One row of the event log, the source of truth for every stream. The id is
 * `INTEGER PRIMARY KEY AUTOINCREMENT`: strictly increasing and never reused, also across restarts.
 */
@Entity('events')
@Index('IDX_events_blog_id', ['blogId', 'id'])
@Check(`"type" IN (${DURABLE_EVENT_TYPES.map((type) => `'${type}'`).join(', ')})`)
export class LogEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  blogId!: number;

  @ManyToOne(() => Blog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blogId' })
  blog?: Blog;

  @Column({ type: 'varchar', length: 6 })
  type!: DurableEventType;

  /** The entry concerned; no foreign key, since a deleted entry's row is gone. */
  @Column({ type: 'integer' })
  postId!: number;

  /** The stream's `data:` line, exactly as sent, so replay needs no re-encoding. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: Date })
  createdAt!: Date;

  /**
   * The database's epoch when the event was written (database-epoch.ts): a restored copy keeps
   * its events' epochs, so a webhook's repeat of one carries the epoch it was first sent with.
   */
  @Column({ type: 'varchar', length: 16 })
  epoch!: string;
}
