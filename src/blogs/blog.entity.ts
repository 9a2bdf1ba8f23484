import { Check, Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const BLOG_STATUSES = ['live', 'ended'] as const;
export type BlogStatus = (typeof BLOG_STATUSES)[number];

@Entity('blogs')
@Check(`"status" IN ('live', 'ended')`)
export class Blog {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 80, unique: true })
  slug!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 5, default: 'live' })
  status!: BlogStatus;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
