import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Like, Repository } from 'typeorm';
import { findRowBy } from '../database/plain-rows';
import { Transactions } from '../database/transactions';
import { isUniqueViolation } from '../database/database-errors';
import { ConflictError, NotFoundError } from '../errors/domain-errors';
import { Blog } from './blog.entity';
import { CreateBlogDto } from './dto/create-blog.dto';
import { UpdateBlogDto } from './dto/update-blog.dto';
import { firstFreeSlug, normalizeSlug, SLUG_MAX_LENGTH, slugFromTitle } from './slug';

@Injectable()
export class BlogsService {
  constructor(
    @InjectRepository(Blog) private readonly blogs: Repository<Blog>,
    private readonly transactions: Transactions,
  ) {}

  private readonly idsBySlug = new Map<string, number>();

  /** Live blogs first ('live' sorts after 'ended'), then the newest. */
  list(): Promise<Blog[]> {
    return this.blogs.find({ order: { status: 'DESC', createdAt: 'DESC', id: 'DESC' } });
  }

  async findBySlug(slug: string): Promise<Blog> {
    const blog = await findRowBy(this.blogs.manager, Blog, 'slug', normalizeSlug(slug));
    if (!blog) throw new NotFoundError(`No blog with the slug "${slug}"`);
    return blog;
  }

  /**
   * A blog's id by slug, for the stream route that tens of thousands of readers open at once.
   * A slug never changes nor goes away once given, so found ids are kept: one entry per blog.
   */
  async idBySlug(slug: string): Promise<number> {
    const known = this.idsBySlug.get(normalizeSlug(slug));
    if (known !== undefined) return known;
    const blog = await this.findBySlug(slug);
    this.idsBySlug.set(blog.slug, blog.id);
    return blog.id;
  }

  /** The slug of a blog whose id idBySlug() gave (every blog with a stream open here). */
  knownSlugOf(blogId: number): string | undefined {
    for (const [slug, id] of this.idsBySlug) if (id === blogId) return slug;
    return undefined;
  }

  async create(dto: CreateBlogDto): Promise<Blog> {
    try {
      return await this.transactions.run(async (manager) => {
        const slug = dto.slug ?? (await this.freeSlugFor(dto.title, manager.getRepository(Blog)));
        const now = new Date();
        return manager.save(
          manager.create(Blog, {
            slug,
            title: dto.title,
            description: dto.description ?? '',
            status: 'live',
            createdAt: now,
            updatedAt: now,
          }),
        );
      });
    } catch (error) {
      if (isUniqueViolation(error) && dto.slug) {
        throw new ConflictError(`The slug "${dto.slug}" is already taken`);
      }
      throw error;
    }
  }

  async update(slug: string, dto: UpdateBlogDto): Promise<Blog> {
    const blog = await this.findBySlug(slug);
    // Only the fields given: the DTO's other properties exist too, as undefined.
    const changes = Object.fromEntries(
      Object.entries(dto).filter(([, value]) => value !== undefined),
    );
    Object.assign(blog, changes, { updatedAt: new Date() });
    return this.transactions.run((manager) => manager.save(blog));
  }

  private async freeSlugFor(title: string, blogs: Repository<Blog>): Promise<string> {
    const base = slugFromTitle(title);
    // Candidates shorten the base to fit their "-n" suffix: look up every slug they could be.
    const stem = base.slice(0, SLUG_MAX_LENGTH - 4);
    const similar = await blogs.find({ select: { slug: true }, where: { slug: Like(`${stem}%`) } });
    return firstFreeSlug(base, new Set(similar.map((blog) => blog.slug)));
  }
}
