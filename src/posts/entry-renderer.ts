import { Injectable } from '@nestjs/common';
import { MediaService } from '../media/media.service';
import { photoIdsIn, renderMarkdown } from './markdown';

/** An entry's Markdown as the HTML stored with it: the same for publishing and the preview. */
@Injectable()
export class EntryRenderer {
  constructor(private readonly mediaService: MediaService) {}

  /**
   * Photos of the blog (`blogId`) are shown as responsive pictures; a photo of another blog,
   * which may go with its blog, stays a plain image link.
   */
  async render(source: string, blogId: number | undefined): Promise<string> {
    const ids = photoIdsIn(source);
    const photos = blogId === undefined ? new Map() : await this.mediaService.photosOf(blogId, ids);
    return renderMarkdown(source, photos);
  }
}
