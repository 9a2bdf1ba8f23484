import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { IdParam } from '../validation/id-param.pipe';
import { ApiTokensService, ApiTokenView, toApiTokenView } from './api-tokens.service';
import { CurrentUser } from './current-user.decorator';
import { ApiTokenCreatedAnswer, ApiTokenListAnswer } from './dto/api-token.response';
import { CreateApiTokenDto } from './dto/create-api-token.dto';
import type { User } from './user.entity';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from './audit-log.interceptor';

@ApiTags('API tokens')
@RateLimit('writes')
@Audited()
@Controller('api/tokens')
export class ApiTokensController {
  constructor(private readonly apiTokensService: ApiTokensService) {}

  /** The secret is in this answer only. */
  @Post()
  @ApiOperation({
    summary: 'Make an API token',
    description: 'It acts as you until revoked, your password is changed or you are removed.',
  })
  @ApiCreatedResponse({ type: ApiTokenCreatedAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.' })
  async create(
    @CurrentUser() user: User,
    @Body() dto: CreateApiTokenDto,
  ): Promise<{ token: ApiTokenView; secret: string }> {
    const { token, secret } = await this.apiTokensService.create(user, dto.name);
    return { token: toApiTokenView(token), secret };
  }

  @Get()
  @ApiOperation({ summary: 'Your API tokens' })
  @ApiOkResponse({ type: ApiTokenListAnswer })
  async list(@CurrentUser() user: User): Promise<{ tokens: ApiTokenView[] }> {
    return { tokens: (await this.apiTokensService.list(user)).map(toApiTokenView) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your API tokens' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors({
    400: 'The id is not a positive integer.',
    404: 'No such token of yours.',
  })
  revoke(@CurrentUser() user: User, @IdParam() id: number): Promise<void> {
    return this.apiTokensService.revoke(user, id);
  }
}
