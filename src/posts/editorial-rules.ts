import type { User } from '../auth/user.entity';
import { ForbiddenError, InvalidInputError } from '../errors/domain-errors';
import type { Post, PostStatus } from './post.entity';

/**
 * Who may do what to an entry, and which states an entry may be in: the newsroom's rules in
 * one place. Editors and admins publish, schedule and unpublish any entry; a contributor
 * writes drafts, submits them for review, and changes only their own drafts (an entry an
 * editor has scheduled is out of their hands: it would go out unreviewed).
 */

/** What a write asks of an entry's state. */
export interface StateChange {
  status?: PostStatus;
  publishAt?: Date;
  submitted?: boolean;
  reviewNote?: string;
}

export function isContributor(user: User): boolean {
  return user.role === 'contributor';
}

/** The status and publication time an entry has after a write. */
export interface EntryState {
  status: PostStatus;
  publishAt: Date | null;
}

/** The state of a new entry: as asked, else a contributor's is a draft and an editor's published. */
export function stateOfNewEntry(user: User, change: StateChange): EntryState {
  const status = change.status ?? (isContributor(user) ? 'draft' : 'published');
  if (isContributor(user) && status !== 'draft') throw contributorsDraft();
  if (change.reviewNote !== undefined) {
    throw new InvalidInputError('reviewNote is for sending a submitted draft back');
  }
  return checkState(status, change.publishAt ?? null, change);
}

/** The state of `post` after `user` changes it; refuses what the rules do not allow. */
export function stateAfterChange(user: User, post: Post, change: StateChange): EntryState {
  if (isContributor(user)) {
    if (post.authorId !== user.id || post.status !== 'draft') {
      throw new ForbiddenError('Contributors may change only their own drafts');
    }
    if (change.status !== undefined && change.status !== 'draft') throw contributorsDraft();
    if (change.reviewNote !== undefined) {
      throw new ForbiddenError('Only editors send drafts back with a note');
    }
  }
  const status = change.status ?? post.status;
  // A scheduled entry keeps its time unless the write gives another.
  const kept = status === 'scheduled' && post.status === 'scheduled' ? post.publishAt : null;
  return checkState(status, change.publishAt ?? kept, change);
}

/** Refuses the deletion of `post` by `user` when the rules do not allow it. */
export function checkRemoval(user: User, post: Post): void {
  if (isContributor(user) && (post.authorId !== user.id || post.status !== 'draft')) {
    throw new ForbiddenError('Contributors may delete only their own drafts');
  }
}

function contributorsDraft(): ForbiddenError {
  return new ForbiddenError(
    'Contributors write drafts: submit it for review and an editor publishes it',
  );
}

/** The fields that go with each status: a time for a scheduled entry, review for a draft. */
function checkState(status: PostStatus, publishAt: Date | null, change: StateChange): EntryState {
  if (status === 'scheduled' && !publishAt) {
    throw new InvalidInputError('A scheduled entry needs publishAt, the time to publish it');
  }
  if (change.publishAt && status !== 'scheduled') {
    throw new InvalidInputError('publishAt goes only with status "scheduled"');
  }
  if (change.publishAt && change.publishAt.getTime() <= Date.now()) {
    throw new InvalidInputError('publishAt must be in the future');
  }
  if (status !== 'draft' && (change.submitted !== undefined || change.reviewNote !== undefined)) {
    throw new InvalidInputError('Only a draft is submitted for review or sent back');
  }
  return { status, publishAt };
}
