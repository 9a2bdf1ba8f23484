import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { User } from '../../src/auth/user.entity';
import { Blog } from '../../src/blogs/blog.entity';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { Post } from '../../src/posts/post.entity';

export interface TestDatabase {
  dataSource: DataSource;
  /** Closes the database and removes its folder. */
  remove(): Promise<void>;
}

/** The app's database, migrated, in a SQLite file in a fresh temp folder, without the app. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'liveblog-database-'));
  const dataSource = new DataSource({
    ...dataSourceOptions({ DATABASE_PATH: join(dataDir, 'liveblog.sqlite') }),
    migrationsRun: true,
  });
  await dataSource.initialize();
  return {
    dataSource,
    async remove() {
      await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An editor and a live blog to write entries in. */
export async function saveEditorAndBlog(
  dataSource: DataSource,
): Promise<{ author: User; blog: Blog }> {
  const now = new Date();
  const author = await dataSource.getRepository(User).save({
    email: 'editor@example.com',
    name: 'Editor',
    role: 'editor',
    passwordHash: 'scrypt$not-used',
    createdAt: now,
  });
  const blog = await dataSource
    .getRepository(Blog)
    .save({ slug: 'live', title: 'Live', createdAt: now, updatedAt: now });
  return { author, blog };
}

/** An entry with `body`, saved by `manager` (within its transaction, when it has one). */
export function saveEntry(
  manager: EntityManager,
  { blog, author }: { blog: Blog; author: User },
  body: string,
): Promise<Post> {
  const now = new Date();
  return manager.save(
    manager.create(Post, {
      blogId: blog.id,
      authorId: author.id,
      body,
      html: `<p>${body}</p>`,
      createdAt: now,
      updatedAt: now,
    }),
  );
}
