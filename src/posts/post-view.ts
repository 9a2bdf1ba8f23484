import { toByline } from '../auth/user-view';
import type { PostView } from '../event-log/events';
import type { Post } from './post.entity';

/** An entry as the API and the stream show it; `author` and `credit` loaded with their avatars. */
export function toPostView(post: Post): PostView {
  return {
    id: post.id,
    blogId: post.blogId,
    title: post.title,
    body: post.body,
    html: post.html,
    author: toByline(post.author),
    credit: post.credit ? toByline(post.credit) : null,
    status: post.status,
    publishAt: post.publishAt?.toISOString() ?? null,
    submittedAt: post.submittedAt?.toISOString() ?? null,
    reviewNote: post.reviewNote,
    pinned: post.pinned,
    keyEvent: post.keyEvent,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
    version: post.version,
    views: post.views ?? 0,
  };
}
