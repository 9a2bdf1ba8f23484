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

/** One entry of a live blog. Deleting an entry removes its row; the event log keeps the history. */
@Entity('posts')
@Index('IDX_posts_blog_newest', ['blogId', 'id'])
@Check(`"version" >= 1`)
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
