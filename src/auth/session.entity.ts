import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/** A signed-in browser. Only a hash of the cookie's value is stored. */
@Entity('sessions')
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  idHash!: string;

  @Index()
  @Column({ type: 'integer' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;

  @Column({ type: 'varchar', length: 64 })
  csrfToken!: string;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  lastSeenAt!: Date;

  @Column({ type: Date })
  expiresAt!: Date;
}
