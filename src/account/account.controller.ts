import { Body, Controller, Delete, Get, Patch, Put, UploadedFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { Audited } from '../auth/audit-log.interceptor';
import { CurrentUser } from '../auth/current-user.decorator';
import { User } from '../auth/user.entity';
import { toAccountView } from '../auth/user-view';
import { PhotoUpload } from '../media/photo-upload.interceptor';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { AccountService } from './account.service';
import { AccountAnswer } from './dto/account.response';
import { UpdateAccountDto } from './dto/update-account.dto';

/** The signed-in user's own name and picture. */
@ApiTags('Account')
@RateLimit('writes')
@Audited()
@Controller('api/account')
export class AccountController {
  constructor(private readonly accountService: AccountService) {}

  @Get()
  @ApiOperation({ summary: 'Your account' })
  @ApiOkResponse({ type: AccountAnswer })
  async show(@CurrentUser() user: User): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.find(user)) };
  }

  @Patch()
  @ApiOperation({ summary: 'Change the name on your entries' })
  @ApiOkResponse({ type: AccountAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.' })
  async update(@CurrentUser() user: User, @Body() dto: UpdateAccountDto): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.rename(user, dto.name)) };
  }

  @Put('avatar')
  @PhotoUpload()
  @ApiOperation({
    summary: 'Set your picture',
    description:
      'Checked like a photo, cropped to a square around what draws the eye, 64, 128 and 256 pixels wide; it replaces the old one on all your entries.',
  })
  @ApiOkResponse({ type: AccountAnswer })
  async setAvatar(
    @CurrentUser() user: User,
    @UploadedFile() file: { buffer: Buffer } | undefined,
  ): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.setAvatar(user, file?.buffer)) };
  }

  @Delete('avatar')
  @ApiOperation({ summary: 'Remove your picture' })
  @ApiOkResponse({ type: AccountAnswer })
  async removeAvatar(@CurrentUser() user: User): Promise<AccountAnswer> {
    return { user: toAccountView(await this.accountService.removeAvatar(user)) };
  }
}
