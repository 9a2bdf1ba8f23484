/**
 * The stream's events, the one place that names them: each `event:` name with the JSON its
 * `data:` line carries (docs/stream.md). Producers build events with the functions below and
 * the stream encodes them; nothing else spells an event's name.
 */

/** Who wrote an entry or is credited on it. */
export interface Byline {
  id: number;
  name: string;
  /** A square picture (WebP, 128 px at most), or null. */
  avatarUrl: string | null;
}

/** An entry as the API and the stream show it. */
export interface PostView {
  id: number;
  blogId: number;
  /** A short headline, or null. */
  title: string | null;
  /** The editor's Markdown. */
  body: string;
  /** Its rendering, sanitized when the entry was written. */
  html: string;
  author: Byline;
  /** Another user the entry is credited to, or null. */
  credit: Byline | null;
  /** Readers only ever get `published` entries; the others are the editors' (see posts/). */
  status: 'published' | 'draft' | 'scheduled';
  /** When a scheduled entry is published, else null. */
  publishAt: string | null;
  /** When a draft was submitted for review, else null. */
  submittedAt: string | null;
  /** The note of the editor who sent a draft back, else null. */
  reviewNote: string | null;
  pinned: boolean;
  keyEvent: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
  views: number;
}

/** Events written to the log with the change they report: they carry an id and are replayed. */
export interface DurableEvents {
  post: { post: PostView };
  update: { post: PostView };
  delete: { postId: number };
}

/** Events of the moment: no id (the client's last event id stays put), never logged. */
export interface EphemeralEvents {
  views: { counts: Record<string, number> };
  readers: { readers: number };
  /**
   * To one reader whose cursor cannot be resumed from: reload, then follow live. `epoch` is the
   * database's, for the reader's next stream URL (see database-epoch.ts).
   */
  reset: { reason: string; epoch: string };
}

export type DurableEventType = keyof DurableEvents;
export type EphemeralEventType = keyof EphemeralEvents;

export const DURABLE_EVENT_TYPES = [
  'post',
  'update',
  'delete',
] as const satisfies readonly DurableEventType[];

/** A durable event for the log: the blog's streams get it, about one entry. */
export type NewEvent = {
  [T in DurableEventType]: { blogId: number; postId: number; type: T; data: DurableEvents[T] };
}[DurableEventType];

/** An ephemeral event for every live stream of one blog; `reset` goes to single readers only. */
export type BlogFigures = {
  [T in Exclude<EphemeralEventType, 'reset'>]: {
    blogId: number;
    type: T;
    data: EphemeralEvents[T];
  };
}[Exclude<EphemeralEventType, 'reset'>];

export function entryPublished(post: PostView): NewEvent {
  return { blogId: post.blogId, postId: post.id, type: 'post', data: { post } };
}

export function entryUpdated(post: PostView): NewEvent {
  return { blogId: post.blogId, postId: post.id, type: 'update', data: { post } };
}

export function entryDeleted(blogId: number, postId: number): NewEvent {
  return { blogId, postId, type: 'delete', data: { postId } };
}

/** New view totals of some of a blog's entries, by entry id. */
export function viewCounts(blogId: number, counts: Record<string, number>): BlogFigures {
  return { blogId, type: 'views', data: { counts } };
}

export function readersNow(blogId: number, readers: number): BlogFigures {
  return { blogId, type: 'readers', data: { readers } };
}
