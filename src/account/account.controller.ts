import {
  Body,
  Controller,
  Delete,
  Get,
  Patch,
  Put,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { Audited } from '../auth/audit-log.interceptor';
import { CurrentUser } from '../auth/current-user.decorator';
import { User } from '../auth/user.entity';
import { toAccountView } from '../auth/user-view';
import { PhotoUploadInterceptor } from '../media/photo-upload.interceptor';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { AccountService } from './account.service';
import { UpdateAccountDto } from './dto/update-account.dto';

type AccountAnswer = { user: ReturnType<typeof toAccountView> };

/** The signed-in user's own name and picture. */
@RateLimit('writes')
@Audited()
@Controller('api/account')
export class AccountController {
  constructor(private readonly accountService: AccountService) {}

  @Get()
  async show(@CurrentUser() user: User): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.find(user)) };
  }

  @Patch()
  async update(@CurrentUser() user: User, @Body() dto: UpdateAccountDto): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.rename(user, dto.name)) };
  }

  @Put('avatar')
  @UseInterceptors(PhotoUploadInterceptor)
  async setAvatar(
    @CurrentUser() user: User,
    @UploadedFile() file: { buffer: Buffer } | undefined,
  ): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.setAvatar(user, file?.buffer)) };
  }

  @Delete('avatar')
  async removeAvatar(@CurrentUser() user: User): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.removeAvatar(user)) };
  }
}
