import type { PostView } from '../../src/event-log/events';

/** An entry shaped as Liveblog's `Post`, for the peers that have no entries of their own. */
export function lookAlikePost(id: number, body: string): Omit<PostView, 'views'> {
  const now = new Date().toISOString();
  return {
    id,
    blogId: 1,
    title: null,
    body,
    html: `<p>${body}</p>\n`,
    author: { id: 1, name: 'Bench', avatarUrl: null },
    credit: null,
    status: 'published',
    publishAt: null,
    submittedAt: null,
    reviewNote: null,
    pinned: false,
    keyEvent: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}
