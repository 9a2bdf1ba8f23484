import type { PostView } from '../event-log/events';
import type { Post } from './post.entity';

/** An entry as the API and the stream show it. */
export function toPostView(post: Post): PostView {
  return {
    id: post.id,
    blogId: post.blogId,
    body: post.body,
    html: post.html,
    author: { id: post.author.id, name: post.author.name },
    pinned: post.pinned,
    keyEvent: post.keyEvent,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
    version: post.version,
    views: post.views ?? 0,
  };
}
