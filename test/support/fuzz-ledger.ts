import { BodySpec, formValue } from './fuzz-inputs';

/*
 * What the valid requests of a fuzz run wrote: the state the server must hold at any moment,
 * whatever hostile requests came in between.
 */

export interface BlogState {
  id: number;
  slug: string;
  title: string;
  description: string;
  status: string;
}

export interface PostState {
  id: number;
  slug: string;
  body: string;
  pinned: boolean;
  keyEvent: boolean;
  version: number;
}

export interface TokenState {
  id: number;
  userId: number;
  name: string;
}

export interface UserState {
  id: number;
  email: string;
  name: string;
  role: string;
  removed: boolean;
}

export class Ledger {
  readonly blogs = new Map<string, BlogState>();
  readonly posts = new Map<number, PostState>();
  readonly events = { post: 0, update: 0, delete: 0 };
  /** Readers who have seen each entry: its view count. */
  readonly viewers = new Map<number, Set<string>>();
  readonly tokens = new Map<number, TokenState>();
  readonly users = new Map<number, UserState>();
  /** Open sessions per user id. */
  readonly sessions = new Map<number, number>();

  blogWritten(blog: any): void {
    const { id, slug, title, description, status } = blog;
    this.blogs.set(slug, { id, slug, title, description, status });
  }

  published(slug: string, post: any): void {
    expect(this.posts.has(post.id)).toBe(false);
    this.posts.set(post.id, postState(slug, post));
    this.events.post += 1;
  }

  edited(post: any): void {
    const before = this.posts.get(post.id);
    expect(before).toBeDefined();
    expect(post.version).toBe(before!.version + 1);
    this.posts.set(post.id, postState(before!.slug, post));
    this.events.update += 1;
  }

  deleted(postId: number): void {
    expect(this.posts.has(postId)).toBe(true);
    this.posts.delete(postId);
    this.viewers.delete(postId);
    this.events.delete += 1;
  }

  /** A reader's report on a blog's page: only that blog's existing entries count. */
  viewed(readerId: string, slug: string, postIds: unknown[]): void {
    for (const id of postIds) {
      if (typeof id !== 'number' || this.posts.get(id)?.slug !== slug) continue;
      const viewers = this.viewers.get(id) ?? new Set<string>();
      viewers.add(readerId);
      this.viewers.set(id, viewers);
    }
  }

  signedIn(userId: number): void {
    this.sessions.set(userId, (this.sessions.get(userId) ?? 0) + 1);
  }

  signedOut(userId: number): void {
    const left = (this.sessions.get(userId) ?? 0) - 1;
    expect(left).toBeGreaterThanOrEqual(0);
    if (left === 0) this.sessions.delete(userId);
    else this.sessions.set(userId, left);
  }

  /** A new password: every session and token of the user ends. */
  passwordChanged(userId: number): void {
    expect(this.users.get(userId)?.removed).toBe(false);
    this.sessions.delete(userId);
    for (const token of [...this.tokens.values()]) {
      if (token.userId === userId) this.tokens.delete(token.id);
    }
  }

  userRemoved(userId: number): void {
    this.passwordChanged(userId);
    this.users.get(userId)!.removed = true;
  }

  postsIn(slug: string): PostState[] {
    return [...this.posts.values()].filter((post) => post.slug === slug);
  }
}

/** A field of a body as the server reads it, when the body is an object. */
export function fieldOf(body: BodySpec, name: string): unknown {
  if (body.kind === 'form') return formValue(body, name);
  if (body.kind === 'text' && body.contentType?.includes('form')) {
    const values = new URLSearchParams(body.text).getAll(name);
    return values.length === 1 ? values[0] : undefined;
  }
  const value =
    body.kind === 'json'
      ? body.value
      : body.kind === 'proto'
        ? body.base
        : body.kind === 'text'
          ? parseJsonText(body.text)
          : undefined;
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function postState(slug: string, post: any): PostState {
  const { id, body, pinned, keyEvent, version } = post;
  return { id, slug, body, pinned, keyEvent, version };
}
