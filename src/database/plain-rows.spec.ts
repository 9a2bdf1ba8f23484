import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiToken } from '../auth/api-token.entity';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';
import { LogEvent } from '../event-log/log-event.entity';
import { Post } from '../posts/post.entity';
import { dataSourceOptions } from './data-source-options';
import { findRowBy, insertRow } from './plain-rows';

let dataDir: string;
let dataSource: DataSource;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'liveblog-plain-rows-'));
  dataSource = new DataSource({
    ...dataSourceOptions({ DATABASE_PATH: join(dataDir, 'liveblog.sqlite') }),
    migrationsRun: true,
  });
  await dataSource.initialize();
});

afterEach(async () => {
  await dataSource.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Milliseconds apart from the dates below, so a swapped column would show. */
const createdAt = new Date('2026-11-26T09:05:07.042Z');
const changedAt = new Date('2026-11-26T10:15:30.500Z');

async function saveUserAndBlog(): Promise<{ user: User; blog: Blog }> {
  const user = await dataSource.getRepository(User).save({
    email: 'editor@example.com',
    name: 'Editor',
    role: 'editor',
    passwordHash: 'scrypt$not-used',
    createdAt,
    removedAt: changedAt,
  });
  const blog = await dataSource.getRepository(Blog).save({
    slug: 'final',
    title: 'The final',
    description: 'Minute by minute',
    status: 'ended',
    createdAt,
    updatedAt: changedAt,
  });
  return { user, blog };
}

/** An entry with every column but the id set, none of them to its default. */
async function newPost(fields: Partial<Post> = {}): Promise<Post> {
  const { user, blog } = await saveUserAndBlog();
  return dataSource.manager.create(Post, {
    blogId: blog.id,
    authorId: user.id,
    title: 'Second goal',
    creditId: null,
    status: 'scheduled',
    publishAt: changedAt,
    submittedAt: null,
    reviewNote: 'Check the score',
    body: 'Goal! **2-1**',
    html: '<p>Goal! <strong>2-1</strong></p>',
    pinned: true,
    keyEvent: false,
    version: 3,
    views: 12,
    createdAt,
    updatedAt: changedAt,
    ...fields,
  });
}

describe('insertRow', () => {
  it('should write the row TypeORM reads back as the same entity, booleans and dates included', async () => {
    const post = await newPost();

    post.id = await insertRow(dataSource.manager, Post, post);

    expect(post.id).toBeGreaterThan(0);
    await expect(
      dataSource.getRepository(Post).findOneByOrFail({ id: post.id }),
    ).resolves.toStrictEqual(post);
  });

  it('should refuse an entity with a column left unset, rather than write NULL for it', async () => {
    const post = await newPost({ views: undefined });

    await expect(insertRow(dataSource.manager, Post, post)).rejects.toThrow('Post.views is unset');
    await expect(dataSource.getRepository(Post).count()).resolves.toBe(0);
  });

  it('should answer each insert with its own new id, within a transaction too', async () => {
    const { blog } = await saveUserAndBlog();
    const event = (postId: number) =>
      dataSource.manager.create(LogEvent, {
        blogId: blog.id,
        type: 'post',
        postId,
        payload: `{"postId":${postId}}`,
        createdAt,
        epoch: 'Qm9vdHN0cmFwcGVk',
      });

    const ids = await dataSource.transaction(async (manager) => [
      await insertRow(manager, LogEvent, event(1)),
      await insertRow(manager, LogEvent, event(2)),
    ]);

    const stored = await dataSource.getRepository(LogEvent).find({ order: { id: 'ASC' } });
    expect(stored.map(({ id, postId }) => ({ id, postId }))).toEqual([
      { id: ids[0], postId: 1 },
      { id: ids[1], postId: 2 },
    ]);
  });
});

describe('findRowBy', () => {
  it('should read each entity exactly as TypeORM finds it', async () => {
    const { user, blog } = await saveUserAndBlog();
    const token = await dataSource.getRepository(ApiToken).save({
      userId: user.id,
      name: 'Score bot',
      secretHash: 'a'.repeat(64),
      createdAt,
      lastUsedAt: null,
    });
    const post = await dataSource.getRepository(Post).save({
      blogId: blog.id,
      authorId: user.id,
      body: 'Pinned',
      html: '<p>Pinned</p>',
      pinned: true,
      keyEvent: false,
      createdAt,
      updatedAt: changedAt,
    });
    const { manager } = dataSource;

    const found = {
      user: await findRowBy(manager, User, 'id', user.id),
      blog: await findRowBy(manager, Blog, 'slug', 'final'),
      token: await findRowBy(manager, ApiToken, 'secretHash', token.secretHash),
      post: await findRowBy(manager, Post, 'id', post.id),
    };

    expect(found).toStrictEqual({
      user: await manager.findOneBy(User, { id: user.id }),
      blog: await manager.findOneBy(Blog, { slug: 'final' }),
      token: await manager.findOneBy(ApiToken, { id: token.id }),
      post: await manager.findOneBy(Post, { id: post.id }),
    });
    expect(found.blog).toMatchObject({ id: blog.id, updatedAt: changedAt });
    expect(found.user?.removedAt).toEqual(changedAt);
    expect(found.post).toMatchObject({ pinned: true, keyEvent: false, version: 1, views: 0 });
  });

  it('should answer null when no row holds the value', async () => {
    await saveUserAndBlog();

    await expect(findRowBy(dataSource.manager, Blog, 'slug', 'no-such-blog')).resolves.toBeNull();
  });
});
