import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { User } from '../auth/user.entity';
import { IdParam } from '../validation/id-param.pipe';
import { CreatePostDto } from './dto/create-post.dto';
import { ListPostsQuery } from './dto/list-posts.query';
import {
  PostPageAnswer,
  PostRemovedAnswer,
  PostWriteAnswer,
  VersionConflictAnswer,
} from './dto/post.response';
import { UpdatePostDto } from './dto/update-post.dto';
import { PostPage, PostsService, PostWrite } from './posts.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from '../auth/audit-log.interceptor';

@ApiTags('Entries')
@RateLimit('writes')
@Audited()
@Controller('api/blogs/:slug/posts')
export class PostsController {
  constructor(private readonly postsService: PostsService) {}

  @Public({ identifyCaller: true })
  @Get()
  @ApiOperation({
    summary: "A blog's entries",
    description:
      'Published entries, newest first (or oldest first: `order=oldest`), pinned ones among them, in place. Signed in, `status=draft` or `status=scheduled` lists the others.',
  })
  @ApiOkResponse({ type: PostPageAnswer })
  @ApiErrors({
    400: 'A bad query parameter; the message says which.',
    401: 'Drafts or scheduled entries asked for while signed out.',
    404: 'No such blog.',
  })
  list(
    @Param('slug') slug: string,
    @Query() query: ListPostsQuery,
    @CurrentUser() viewer: User | undefined,
  ): Promise<PostPage> {
    return this.postsService.list(slug, query, viewer);
  }

  @Post()
  @ApiOperation({
    summary: 'Write an entry',
    description:
      'Published at once unless `status` says otherwise; a contributor writes drafts. Readers get a `post` event.',
  })
  @ApiCreatedResponse({ type: PostWriteAnswer })
  @ApiErrors({
    400: 'Bad input (the message says what), or no user to credit.',
    403: 'A contributor publishing or scheduling: contributors write drafts.',
    404: 'No such blog.',
    409: 'The blog has ended.',
  })
  create(
    @Param('slug') slug: string,
    @CurrentUser() user: User,
    @Body() dto: CreatePostDto,
  ): Promise<PostWrite> {
    return this.postsService.create(slug, user, dto);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an entry',
    description:
      'At least one field. Readers get an `update`, a `post` (a draft or scheduled entry published) or a `delete` (a published one made a draft again).',
  })
  @ApiOkResponse({ type: PostWriteAnswer })
  @ApiErrors({
    400: 'Bad input; the message says what.',
    403: 'A contributor changing what is not their own draft, or publishing it.',
    404: 'No such entry in this blog.',
  })
  @ApiConflictResponse({
    type: VersionConflictAnswer,
    description: '`version` is not the current one: the answer carries the current entry.',
  })
  update(
    @Param('slug') slug: string,
    @IdParam() id: number,
    @Body() dto: UpdatePostDto,
    @CurrentUser() user: User,
  ): Promise<PostWrite> {
    return this.postsService.update(slug, id, dto, user);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete an entry', description: 'Readers get a `delete` event.' })
  @ApiOkResponse({ type: PostRemovedAnswer })
  @ApiErrors({
    400: 'The id is not a positive integer.',
    403: 'A contributor deleting what is not their own draft.',
    404: 'No such entry in this blog.',
  })
  remove(
    @Param('slug') slug: string,
    @IdParam() id: number,
    @CurrentUser() user: User,
  ): Promise<{ eventId: number | null }> {
    return this.postsService.remove(slug, id, user);
  }
}
