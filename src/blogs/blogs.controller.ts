import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { Roles } from '../auth/roles.decorator';
import { BlogView, toBlogView } from './blog-view';
import { BlogsService } from './blogs.service';
import { CreateBlogDto } from './dto/create-blog.dto';
import { UpdateBlogDto } from './dto/update-blog.dto';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { Audited } from '../auth/audit-log.interceptor';

@RateLimit('writes')
@Audited()
@Controller('api/blogs')
export class BlogsController {
  constructor(private readonly blogsService: BlogsService) {}

  @Public()
  @Get()
  async list(): Promise<{ blogs: BlogView[] }> {
    return { blogs: (await this.blogsService.list()).map(toBlogView) };
  }

  @Roles('admin', 'editor')
  @Post()
  async create(@Body() dto: CreateBlogDto): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.create(dto)) };
  }

  @Public()
  @Get(':slug')
  async get(@Param('slug') slug: string): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.findBySlug(slug)) };
  }

  @Roles('admin', 'editor')
  @Patch(':slug')
  async update(
    @Param('slug') slug: string,
    @Body() dto: UpdateBlogDto,
  ): Promise<{ blog: BlogView }> {
    return { blog: toBlogView(await this.blogsService.update(slug, dto)) };
  }
}
