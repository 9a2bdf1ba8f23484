import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';

export const POST_STATUSES = ['published', 'draft', 'scheduled'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/**
 * One entry of a live blog. Deleting an entry removes its row; the event log keeps the history.
 * Only `published` entries reach readers; drafts and scheduled ones are the editors' alone.
 */
@Entity('posts')
@Index('IDX_posts_blog_newest', ['blogId', 'id'])
@Index('IDX_posts_due', ['publishAt'], { where: `"status" = 'scheduled'` })
@Check(`"version" >= 1`)
@Check(`"status" IN ('published', 'draft', 'scheduled')`)
@Check(`("status" = 'scheduled') = ("publishAt" IS NOT NULL)`)
export class Post {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  blogId!: number;

  @ManyToOne(() => Blog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blogId' })
  blog?: Blog;

  @Index()
  @Column({ type: 'integer' })
  authorId!: number;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'authorId' })
  author!: User;

  /** A short headline shown above the entry, in key events, feeds and search results. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  title!: string | null;

  /** Someone else the entry is credited to: the photographer, the reporter on the ground. */
  @Column({ type: 'integer', nullable: true })
  creditId!: number | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'creditId' })
  credit?: User | null;

  /** The editor's Markdown source. */
  @Column({ type: 'text' })
  body!: string;

  /** `body` rendered and sanitized once, at write time. */
  @Column({ type: 'text' })
  html!: string;

  @Column({ type: 'varchar', length: 10, default: 'published' })
  status!: PostStatus;

  /** When a scheduled entry is published; set exactly while the status is `scheduled`. */
  @Column({ type: Date, nullable: true })
  publishAt!: Date | null;

  /** When its author asked for the draft to be reviewed; null while not in the review queue. */
  @Column({ type: Date, nullable: true })
  submittedAt!: Date | null;

  /** What the editor who sent a draft back wrote to its author. */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  reviewNote!: string | null;

  @Column({ type: 'boolean', default: false })
  pinned!: boolean;

  @Column({ type: 'boolean', default: false })
  keyEvent!: boolean;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Readers who have seen the entry, each counted once (see counters/). */
  @Column({ type: 'integer', default: 0 })
  views!: number;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
