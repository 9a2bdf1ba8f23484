import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { IdParam } from '../validation/id-param.pipe';
import { ApiTokensService, ApiTokenView, toApiTokenView } from './api-tokens.service';
import { CurrentUser } from './current-user.decorator';
import { CreateApiTokenDto } from './dto/create-api-token.dto';
import type { User } from './user.entity';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from './audit-log.interceptor';

@RateLimit('writes')
@Audited()
@Controller('api/tokens')
export class ApiTokensController {
  constructor(private readonly apiTokensService: ApiTokensService) {}

  /** The secret is in this answer only. */
  @Post()
  async create(
    @CurrentUser() user: User,
    @Body() dto: CreateApiTokenDto,
  ): Promise<{ token: ApiTokenView; secret: string }> {
    const { token, secret } = await this.apiTokensService.create(user, dto.name);
    return { token: toApiTokenView(token), secret };
  }

  @Get()
  async list(@CurrentUser() user: User): Promise<{ tokens: ApiTokenView[] }> {
    return { tokens: (await this.apiTokensService.list(user)).map(toApiTokenView) };
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@CurrentUser() user: User, @IdParam() id: number): Promise<void> {
    return this.apiTokensService.revoke(user, id);
  }
}
