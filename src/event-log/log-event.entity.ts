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

export const LOG_EVENT_TYPES = ['post', 'update', 'delete'] as const;
export type LogEventType = (typeof LOG_EVENT_TYPES)[number];

/**
 * One row of the event log, the source of truth for every stream. The id is
 * `INTEGER PRIMARY KEY AUTOINCREMENT`: strictly increasing and never reused, also across restarts.
 */
@Entity('events')
@Index('IDX_events_blog_id', ['blogId', 'id'])
@Check(`"type" IN ('post', 'update', 'delete')`)
export class LogEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  blogId!: number;

  @ManyToOne(() => Blog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blogId' })
  blog?: Blog;

  @Column({ type: 'varchar', length: 6 })
  type!: LogEventType;

  /** The entry concerned; no foreign key, since a deleted entry's row is gone. */
  @Column({ type: 'integer' })
  postId!: number;

  /** The stream's `data:` line, exactly as sent, so replay needs no re-encoding. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'datetime' })
  createdAt!: Date;
}
