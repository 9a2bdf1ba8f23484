import type { Blog, BlogStatus } from './blog.entity';

/** A blog as the API shows it (contract: `Blog`). */
export interface BlogView {
  id: number;
  slug: string;
  title: string;
  description: string;
  status: BlogStatus;
  createdAt: string;
}

export function toBlogView(blog: Blog): BlogView {
  return {
    id: blog.id,
    slug: blog.slug,
    title: blog.title,
    description: blog.description,
    status: blog.status,
    createdAt: blog.createdAt.toISOString(),
  };
}
