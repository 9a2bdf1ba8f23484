import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { User } from '../auth/user.entity';
import { forUpdate } from '../database/row-locks';
import { Transactions } from '../database/transactions';
import { InvalidInputError } from '../errors/domain-errors';
import { AVATAR, processImage } from '../media/image-processing';
import { Media } from '../media/media.entity';
import { MediaService } from '../media/media.service';

/** Each user's own name and picture, as their entries show them. */
@Injectable()
export class AccountService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly mediaService: MediaService,
    private readonly transactions: Transactions,
  ) {}

  /** The user with their avatar. */
  async find(user: User): Promise<User> {
    return this.users.findOneOrFail({ where: { id: user.id }, relations: { avatar: true } });
  }

  async rename(user: User, name: string): Promise<User> {
    await this.transactions.run((manager) => manager.update(User, user.id, { name }));
    return this.find(user);
  }

  /** Crops the upload square and makes it the user's picture; the old one is deleted. */
  async setAvatar(user: User, file: Buffer | undefined): Promise<User> {
    if (!file) throw new InvalidInputError('Attach the image as the multipart field "file"');
    const image = await processImage(file, AVATAR);
    await this.transactions.run(async (manager) => {
      const old = await this.lockedAvatarId(manager, user);
      const avatar = await this.mediaService.store(manager, file, image, {
        blogId: null,
        uploader: user,
        alt: user.name,
      });
      await manager.update(User, user.id, { avatarId: avatar.id });
      if (old !== null) await manager.delete(Media, { id: old });
    });
    return this.find(user);
  }

  async removeAvatar(user: User): Promise<User> {
    await this.transactions.run(async (manager) => {
      const avatarId = await this.lockedAvatarId(manager, user);
      if (avatarId === null) return;
      await manager.update(User, user.id, { avatarId: null });
      await manager.delete(Media, { id: avatarId });
    });
    return this.find(user);
  }

  /** The user's avatar, their row locked: two uploads at once replace one after the other. */
  private async lockedAvatarId(manager: EntityManager, user: User): Promise<number | null> {
    const { avatarId } = await manager.findOneOrFail(User, {
      where: { id: user.id },
      lock: forUpdate(manager, User),
    });
    return avatarId;
  }
}
