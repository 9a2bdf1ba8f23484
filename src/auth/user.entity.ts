import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Media } from '../media/media.entity';

/**
 * `contributor`: writes drafts and submits them for review; `editor`: publishes and runs blogs;
 * `admin`: also manages users.
 */
export const USER_ROLES = ['admin', 'editor', 'contributor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

@Entity('users')
@Check(`"role" IN ('admin', 'editor', 'contributor')`)
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Stored lower-cased and trimmed, so sign-in is case-insensitive and unique. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** A square photo shown with the user's entries; see AvatarsService. */
  @Column({ type: 'integer', nullable: true })
  avatarId!: number | null;

  @ManyToOne(() => Media, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'avatarId' })
  avatar?: Media | null;

  @Column({ type: 'varchar', length: 20 })
  role!: UserRole;

  @Column({ type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: Date })
  createdAt!: Date;

  /**
   * Set when an admin removes the user: they can no longer sign in, but their entries keep
   * their name, so users are never deleted. Inviting the address again restores the account.
   */
  @Column({ type: Date, nullable: true })
  removedAt!: Date | null;
}
