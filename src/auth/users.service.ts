import { Transactions } from '../database/transactions';
import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/sqlite-errors';
import { hashPassword } from './password';
import { User, UserRole } from './user.entity';

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  password: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly transactions: Transactions,
  ) {}

  count(): Promise<number> {
    return this.users.count();
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  async create(user: NewUser): Promise<User> {
    const passwordHash = await hashPassword(user.password);
    try {
      return await this.transactions.run((manager) =>
        manager.save(
          this.users.create({
            email: normalizeEmail(user.email),
            name: user.name,
            role: user.role,
            passwordHash,
            createdAt: new Date(),
          }),
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('A user with this email exists');
      throw error;
    }
  }
}
