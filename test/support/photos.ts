import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import request from 'supertest';

/** A multipart/form-data body of text fields and one file, as a browser's form sends it. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { field: string; filename: string; contentType: string; bytes: Buffer },
): { contentType: string; body: Buffer } {
  const boundary = `----liveblog-test-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n` +
          `Content-Type: ${file.contentType}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/**
 * A phone photo: `width` × `height` as stored, EXIF orientation 6 (shown turned a quarter
 * clockwise, so upright it is `height` wide), and where it was taken in its GPS tags.
 */
export function phonePhoto(width = 1200, height = 800): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 30, b: 40 } },
  })
    .composite([
      {
        input: { create: { width: width / 4, height, channels: 3, background: '#1e90ff' } },
        left: 0,
        top: 0,
      },
    ])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'Liveblog Test Phone', Model: 'Reporter 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .toBuffer();
}

/** A small PNG with transparency. */
export function transparentPng(width = 300, height = 200): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } },
  })
    .png()
    .toBuffer();
}

/**
 * A PNG of a few hundred bytes that claims 30,000 × 30,000 pixels (900 million, 2.7 GB
 * decoded): a decompression bomb.
 */
export function decompressionBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(30_000, 0);
  header.writeUInt32BE(30_000, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(30_001))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Uploads a photo to a blog through the API; resolves to the answer's `media`. */
export async function uploadPhoto(
  server: { url: string },
  token: string,
  slug: string,
  bytes?: Buffer,
): Promise<{ id: number; url: string; width: number; height: number }> {
  const { contentType, body } = multipartBody(
    { alt: 'A photo' },
    {
      field: 'file',
      filename: 'photo.png',
      contentType: 'image/png',
      bytes: bytes ?? (await transparentPng()),
    },
  );
  const response = await request(server.url)
    .post(`/api/blogs/${slug}/media`)
    .auth(token, { type: 'bearer' })
    .set('Content-Type', contentType)
    .send(body)
    .expect(201);
  return response.body.media;
}
