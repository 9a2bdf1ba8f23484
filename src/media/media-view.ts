import type { Media } from './media.entity';

/** File name extension and Content-Type of each stored format. */
export const MEDIA_FORMATS: Record<string, { extension: string; mime: string }> = {
  webp: { extension: 'webp', mime: 'image/webp' },
  jpeg: { extension: 'jpg', mime: 'image/jpeg' },
  png: { extension: 'png', mime: 'image/png' },
  gif: { extension: 'gif', mime: 'image/gif' },
};

/** A photo as the API shows it: `url` is its largest file in the fallback format. */
export interface MediaView {
  id: number;
  url: string;
  width: number;
  height: number;
  alt: string;
  mime: string;
}

export function storedWidths(media: Media): number[] {
  return media.widths.split(',').map(Number);
}

/** The URL of one stored file; it names the bytes' hash, so it can be cached for good. */
export function mediaFileUrl(media: Media, width: number, format: string): string {
  return `/media/${media.id}-${media.hash}/${width}.${MEDIA_FORMATS[format].extension}`;
}

export function toMediaView(media: Media): MediaView {
  return {
    id: media.id,
    url: mediaFileUrl(media, media.width, media.fallback),
    width: media.width,
    height: media.height,
    alt: media.alt,
    mime: MEDIA_FORMATS[media.fallback].mime,
  };
}

/** The avatar's file for up to 128 CSS pixels on a dense screen, or 64 on any (WebP). */
export function avatarUrl(avatar: Media | null | undefined): string | null {
  if (!avatar) return null;
  const widths = storedWidths(avatar);
  return mediaFileUrl(
    avatar,
    Math.max(...widths.filter((width) => width <= 128), widths[0]),
    'webp',
  );
}
