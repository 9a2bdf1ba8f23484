import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../api-docs/api-errors.decorator';
import { Public } from '../auth/public.decorator';
import { Roles } from '../auth/roles.decorator';
import { BlogView, toBlogView } from './blog-view';
import { BlogsService } from './blogs.service';
import { BlogAnswer, BlogListAnswer } from './dto/blog.response';
import { CreateBlogDto } from './dto/create-blog.dto';
import { UpdateBlogDto } from './dto/update-blog.dto';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from '../auth/audit-log.interceptor';

@ApiTags('Blogs')
@RateLimit('writes')
@Audited()
@Controller('api/blogs')
export class BlogsController {
  constructor(private readonly blogsService: BlogsService) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'The blogs, live ones first' })
  @ApiOkResponse({ type: BlogListAnswer })
  async list(): Promise<{ blogs: BlogView[] }> {
    return { blogs: (await this.blogsService.list()).map(toBlogView) };
  }

  @Roles('admin', 'editor')
  @Post()
  @ApiOperation({ summary: 'Create a blog' })
  @ApiCreatedResponse({ type: BlogAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 409: 'The given slug is taken.' })
  async create(@Body() dto: CreateBlogDto): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.create(dto)) };
  }

  @Public()
  @Get(':slug')
  @ApiOperation({ summary: 'A blog' })
  @ApiOkResponse({ type: BlogAnswer })
  @ApiErrors({ 404: 'No such blog.' })
  async get(@Param('slug') slug: string): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.findBySlug(slug)) };
  }

  @Roles('admin', 'editor')
  @Patch(':slug')
  @ApiOperation({ summary: 'Change, end or restart a blog', description: 'A slug never changes.' })
  @ApiOkResponse({ type: BlogAnswer })
  @ApiErrors({ 400: 'Bad input; the message says what.', 404: 'No such blog.' })
  async update(
    @Param('slug') slug: string,
    @Body() dto: UpdateBlogDto,
  ): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.update(slug, dto)) };
  }
}
