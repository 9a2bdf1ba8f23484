import sharp from 'sharp';
import { InvalidInputError, UnsupportedMediaError } from '../errors/domain-errors';
import { OneAtATime } from './one-at-a-time';

/** The formats accepted, by what the file's first bytes say, never by its name or type. */
export type SourceFormat = 'jpeg' | 'png' | 'webp' | 'gif';

/** What is stored of an upload: these widths (none larger than the original), square or not. */
export interface ImageShape {
  widths: readonly number[];
  /** Cropped to a square around what draws the eye, and only the first frame of an animation. */
  square: boolean;
}

/** A photo of an entry. */
export const PHOTO: ImageShape = { widths: [480, 960, 1600], square: false };

/** A user's picture beside their entries: 32 to 128 CSS pixels on screens of density 1 to 2. */
export const AVATAR: ImageShape = { widths: [64, 128, 256], square: true };

/** More pixels than any camera makes: a decompression bomb, refused before it is decoded. */
export const MAX_PIXELS = 100_000_000;

/** One stored file of a photo. */
export interface ImageVariant {
  width: number;
  height: number;
  /** `webp` for browsers that take it, the fallback (`jpeg`, `png` or `gif`) for the others. */
  format: 'webp' | 'jpeg' | 'png' | 'gif';
  bytes: Buffer;
}

export interface ProcessedImage {
  /** Upright, as shown: after the EXIF orientation, of the largest variant. */
  width: number;
  height: number;
  variants: ImageVariant[];
}

const MAGIC: [SourceFormat, (bytes: Buffer) => boolean][] = [
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  [
    'png',
    (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  ],
  [
    'gif',
    (b) =>
      b.subarray(0, 6).toString('latin1') === 'GIF87a' ||
      b.subarray(0, 6).toString('latin1') === 'GIF89a',
  ],
  [
    'webp',
    (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' &&
      b.subarray(8, 12).toString('latin1') === 'WEBP',
  ],
];

/** The format the content declares by its signature, or null for anything else. */
export function sniffFormat(bytes: Buffer): SourceFormat | null {
  return MAGIC.find(([, matches]) => matches(bytes))?.[0] ?? null;
}

/**
 * Decoding takes the memory of the whole image (a 12-megapixel photo: ~35 MB), so a process
 * resizes one photo at a time (sharp spreads that one over the cores itself), with a few
 * waiting: each waiting upload holds its file.
 */
const resizing = new OneAtATime(
  4,
  'Several photos are being resized; upload this one again in a moment',
);

/**
 * Checks an upload and makes its stored variants: upright (the EXIF orientation applied),
 * without metadata (a phone photo's EXIF carries where it was taken), in each width of its
 * shape no larger than the original, as WebP and as the fallback of its kind.
 */
export async function processImage(
  bytes: Buffer,
  shape: ImageShape = PHOTO,
): Promise<ProcessedImage> {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new UnsupportedMediaError('Upload a JPEG, PNG, WebP or GIF image');
  }
  return resizing.run(async () => {
    const animated = !shape.square && (format === 'gif' || format === 'webp');
    const input = () => sharp(bytes, { animated, limitInputPixels: MAX_PIXELS, failOn: 'error' });
    const tooLarge = new InvalidInputError(
      `The image has more than ${MAX_PIXELS / 1_000_000} million pixels; upload a smaller one`,
    );
    const metadata = await input()
      .metadata()
      .catch((error: Error) => {
        if (/pixel limit/.test(error.message)) throw tooLarge;
        throw new InvalidInputError(`The file is not a readable ${format.toUpperCase()} image`);
      });
    const frameHeight = metadata.pageHeight ?? metadata.height;
    if (metadata.width * frameHeight * (metadata.pages ?? 1) > MAX_PIXELS) throw tooLarge;
    const sideways = (metadata.orientation ?? 1) >= 5;
    const upright = sideways ? metadata.height : metadata.width;
    const largest = shape.square ? Math.min(metadata.width, frameHeight) : upright;
    const widths = [...new Set(shape.widths.map((width) => Math.min(width, largest)))];
    const fallback = format === 'gif' && animated ? 'gif' : metadata.hasAlpha ? 'png' : 'jpeg';
    const variants: ImageVariant[] = [];
    try {
      for (const width of widths) {
        for (const target of ['webp', fallback] as const) {
          const { data, info } = await input()
            .rotate()
            .resize(
              shape.square
                ? { width, height: width, fit: 'cover', position: 'attention' }
                : { width, withoutEnlargement: true },
            )
            .toFormat(target, target === 'jpeg' ? { quality: 82, mozjpeg: true } : { quality: 80 })
            .toBuffer({ resolveWithObject: true });
          variants.push({
            width: info.width,
            height: info.pageHeight ?? info.height,
            format: target,
            bytes: data,
          });
        }
      }
    } catch {
      throw new InvalidInputError(`The file is not a readable ${format.toUpperCase()} image`);
    }
    const { width, height } = variants[variants.length - 1];
    return { width, height, variants };
  });
}
