import { AppConfig } from '../config/app-config';
import { siteOrigin } from '../site/site-links';
import {
  BadRequestException,
  Controller,
  Get,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { Roles } from '../auth/roles.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import type { User } from '../auth/user.entity';
import { CreatePostDto } from '../posts/dto/create-post.dto';
import { PostsService } from '../posts/posts.service';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { BlogsService } from '../blogs/blogs.service';
import { CreateBlogDto } from '../blogs/dto/create-blog.dto';
import { ConflictError } from '../errors/domain-errors';
import { FieldErrors, FormBody, readForm } from '../validation/form';
import { adminPage } from './admin-page';
import { AdminService } from './admin.service';
import { BlogStatusDto } from './dto/blog-status.dto';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { Audited } from '../auth/audit-log.interceptor';

/** The editors' pages. Forms post here and redirect; the composer's script uses the JSON API. */
@RateLimit('writes')
@SessionOnly()
@Audited()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly adminService: AdminService,
    private readonly blogsService: BlogsService,
    private readonly postsService: PostsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async dashboard(@Req() request: AuthenticatedRequest, @Res() response: Response): Promise<void> {
    await this.renderDashboard(request, response, {}, {});
  }

  @Roles('admin', 'editor')
  @Post('blogs')
  async createBlog(
    @FormBody() body: Record<string, unknown>,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(CreateBlogDto, blankAsMissing(body), [
      'title',
      'slug',
      'description',
    ]);
    if (Object.keys(errors).length === 0) {
      try {
        const blog = await this.blogsService.create(value);
        response.redirect(HttpStatus.SEE_OTHER, `/admin/blogs/${encodeURIComponent(blog.slug)}`);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        errors.slug = error.message;
      }
    }
    response.status(HttpStatus.BAD_REQUEST);
    await this.renderDashboard(request, response, body, errors);
  }

  @Roles('admin', 'editor')
  @Post('blogs/:slug/status')
  async setStatus(
    @Param('slug') slug: string,
    @FormBody() body: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    const { value, errors } = await readForm(BlogStatusDto, body, ['status']);
    if (errors.status) {
      response
        .status(HttpStatus.BAD_REQUEST)
        .json({ statusCode: 400, error: 'Bad Request', message: errors.status });
      return;
    }
    await this.blogsService.update(slug, { status: value.status });
    response.redirect(HttpStatus.SEE_OTHER, '/admin');
  }

  /** The composer without JavaScript: a plain form post, then back to the composer. */
  @Post('blogs/:slug/posts')
  async publish(
    @Param('slug') slug: string,
    @FormBody() body: Record<string, unknown>,
    @CurrentUser() user: User,
    @Res() response: Response,
  ): Promise<void> {
    const form = {
      title: body.title ?? '',
      body: body.body,
      // "" is "nobody"; anything else not a number fails the id's own check.
      creditId: body.creditId ? Number(body.creditId) : undefined,
      // The button pressed: "Save draft" sends status=draft, "Submit for review" submitted=true.
      status: body.status || undefined,
      submitted: body.submitted === 'true' ? true : undefined,
      pinned: body.pinned === 'true',
      keyEvent: body.keyEvent === 'true',
    };
    const { value, errors } = await readForm(CreatePostDto, form, [
      'title',
      'body',
      'creditId',
      'status',
      'submitted',
      'pinned',
      'keyEvent',
    ]);
    const problem = errors.title ?? errors.body ?? errors.creditId ?? errors.status;
    if (problem) throw new BadRequestException(problem);
    await this.postsService.create(slug, user, value);
    response.redirect(HttpStatus.SEE_OTHER, `/admin/blogs/${encodeURIComponent(slug)}`);
  }

  @Get('blogs/:slug')
  async composer(
    @Param('slug') slug: string,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const data = await this.adminService.composer(slug);
    response.render('admin/composer', {
      ...adminPage(request, data.blog.title, 'blogs'),
      ...data,
      mediaMaxBytes: this.config.MEDIA_MAX_BYTES,
      isContributor: request.auth!.user.role === 'contributor',
    });
  }

  private async renderDashboard(
    request: AuthenticatedRequest,
    response: Response,
    values: Record<string, unknown>,
    errors: FieldErrors,
  ): Promise<void> {
    const embedScript = `${siteOrigin(this.config.PUBLIC_URL, request)}/embed.js`;
    const blogs = await this.adminService.dashboardBlogs();
    response.render('admin/dashboard', {
      ...adminPage(request, 'Dashboard', 'blogs'),
      blogs: blogs.map((blog) => ({ ...blog, embedSnippet: embedSnippet(embedScript, blog.slug) })),
      values,
      errors,
    });
  }
}

/** The line a newsroom pastes into an article to show the blog there (see public/js/embed.js). */
function embedSnippet(scriptUrl: string, slug: string): string {
  return `<script src="${scriptUrl}" data-blog="${slug}" async></script>`;
}

/** An HTML form sends empty strings for empty optional fields. */
function blankAsMissing(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''));
}
