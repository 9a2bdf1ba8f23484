import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import { User } from '../auth/user.entity';
import { BlogsService } from '../blogs/blogs.service';
import { insertRow } from '../database/plain-rows';
import { Transactions } from '../database/transactions';
import { InvalidInputError } from '../errors/domain-errors';
import { processImage, ProcessedImage } from './image-processing';
import { readMediaFile, saveMediaFiles } from './media-files';
import { Media } from './media.entity';
import { MEDIA_FORMATS, MediaView, toMediaView } from './media-view';

@Injectable()
export class MediaService {
  constructor(
    @InjectRepository(Media) private readonly media: Repository<Media>,
    private readonly blogsService: BlogsService,
    private readonly transactions: Transactions,
  ) {}

  async upload(
    slug: string,
    uploader: User,
    file: Buffer | undefined,
    alt: string | undefined,
  ): Promise<MediaView> {
    if (!file) throw new InvalidInputError('Attach the image as the multipart field "file"');
    const blog = await this.blogsService.findBySlug(slug);
    const image = await processImage(file);
    const media = await this.transactions.run((manager) =>
      this.store(manager, file, image, { blogId: blog.id, uploader, alt: alt?.trim() ?? '' }),
    );
    return toMediaView(media);
  }

  /** Stores a processed upload and its files in `manager`'s transaction. */
  async store(
    manager: EntityManager,
    file: Buffer,
    image: ProcessedImage,
    owner: { blogId: number | null; uploader: User; alt: string },
  ): Promise<Media> {
    const media = this.media.create({
      blogId: owner.blogId,
      uploaderId: owner.uploader.id,
      alt: owner.alt,
      width: image.width,
      height: image.height,
      hash: createHash('sha256').update(file).digest('hex').slice(0, 12),
      widths: [...new Set(image.variants.map((variant) => variant.width))].join(','),
      fallback: image.variants.find((variant) => variant.format !== 'webp')!.format,
      createdAt: new Date(),
    });
    media.id = await insertRow(manager, Media, media);
    await saveMediaFiles(manager, media.id, image.variants);
    return media;
  }

  /** The blog's photos among `ids`, by id. */
  async photosOf(blogId: number, ids: number[]): Promise<Map<number, Media>> {
    if (ids.length === 0) return new Map();
    const found = await this.media.findBy({ blogId, id: In(ids) });
    return new Map(found.map((media) => [media.id, media]));
  }

  /** A stored file by the parts of its URL; null when the URL names no file. */
  async file(
    id: number,
    hash: string,
    width: number,
    extension: string,
  ): Promise<{ bytes: Buffer; mime: string } | null> {
    const format = Object.keys(MEDIA_FORMATS).find(
      (name) => MEDIA_FORMATS[name].extension === extension,
    );
    if (!format) return null;
    const media = await this.media.findOneBy({ id, hash });
    if (!media) return null;
    const bytes = await readMediaFile(this.media.manager, id, width, format);
    return bytes && { bytes, mime: MEDIA_FORMATS[format].mime };
  }
}
