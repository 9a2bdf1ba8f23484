import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { User } from '../auth/user.entity';
import { IdParam } from '../validation/id-param.pipe';
import { CreatePostDto } from './dto/create-post.dto';
import { ListPostsQuery } from './dto/list-posts.query';
import { UpdatePostDto } from './dto/update-post.dto';
import { PostPage, PostsService, PostWrite } from './posts.service';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from '../auth/audit-log.interceptor';

@RateLimit('writes')
@Audited()
@Controller('api/blogs/:slug/posts')
export class PostsController {
  constructor(private readonly postsService: PostsService) {}

  @Public({ identifyCaller: true })
  @Get()
  list(
    @Param('slug') slug: string,
    @Query() query: ListPostsQuery,
    @CurrentUser() viewer: User | undefined,
  ): Promise<PostPage> {
    return this.postsService.list(slug, query, viewer);
  }

  @Post()
  create(
    @Param('slug') slug: string,
    @CurrentUser() user: User,
    @Body() dto: CreatePostDto,
  ): Promise<PostWrite> {
    return this.postsService.create(slug, user, dto);
  }

  @Patch(':id')
  update(
    @Param('slug') slug: string,
    @IdParam() id: number,
    @Body() dto: UpdatePostDto,
    @CurrentUser() user: User,
  ): Promise<PostWrite> {
    return this.postsService.update(slug, id, dto, user);
  }

  @Delete(':id')
  remove(
    @Param('slug') slug: string,
    @IdParam() id: number,
    @CurrentUser() user: User,
  ): Promise<{ eventId: number | null }> {
    return this.postsService.remove(slug, id, user);
  }
}
