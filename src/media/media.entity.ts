import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';

/**
 * A photo uploaded to a blog, or a user's avatar (no blog). Its files (each stored width, as WebP and a fallback) are rows
 * of `media_files`, kept in the database so that every process serves them and one backup
 * holds everything; see media-files.ts.
 */
@Entity('media')
export class Media {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column({ type: 'integer', nullable: true })
  blogId!: number | null;

  @ManyToOne(() => Blog, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blogId' })
  blog?: Blog;

  /** Who uploaded it; unset once that user is removed. */
  @Column({ type: 'integer', nullable: true })
  uploaderId!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'uploaderId' })
  uploader?: User | null;

  /** The description for readers who cannot see it, used where the Markdown gives none. */
  @Column({ type: 'varchar', length: 1000 })
  alt!: string;

  /** Of the largest stored width, upright. */
  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  /** Part of every file's URL: a URL never names other bytes, so it is cached for a year. */
  @Column({ type: 'varchar', length: 16 })
  hash!: string;

  /** The widths stored, smallest first, comma-separated ("480,960,1600"). */
  @Column({ type: 'varchar', length: 100 })
  widths!: string;

  /** The format of the fallback files: jpeg, png or gif (WebP is always there too). */
  @Column({ type: 'varchar', length: 4 })
  fallback!: string;

  @Column({ type: Date })
  createdAt!: Date;
}
