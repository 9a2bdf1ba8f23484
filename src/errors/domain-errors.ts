/**
 * What a service refuses, said in the domain's words: services throw these and never know
 * about HTTP. AllExceptionsFilter (all-exceptions.filter.ts) turns each code into its status
 * in one table, and the message into the answer's `message`.
 */
export type DomainErrorCode =
  | 'invalid-input'
  | 'wrong-credentials'
  | 'sign-in-required'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unsupported-media'
  | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  /**
   * @param message said to the client as is: what was refused and why
   * @param details more fields for the answer, such as the current entry of a version conflict
   */
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input of the right shape that the action still cannot take ("give at least one field"). */
export class InvalidInputError extends DomainError {
  readonly code = 'invalid-input';
}

/** An email and password, or a current password, that do not match the account. */
export class WrongCredentialsError extends DomainError {
  readonly code = 'wrong-credentials';
}

/** Something only a signed-in user may see, asked for without signing in. */
export class SignInRequiredError extends DomainError {
  readonly code = 'sign-in-required';
}

/** Something the caller may not do: their role, or a one-time link already spent. */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** A blog, entry, user or token that does not exist (or not where it was looked for). */
export class NotFoundError extends DomainError {
  readonly code = 'not-found';
}

/** A change the current state refuses: a taken slug or email, a stale version, an ended blog. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

/** An upload of a kind not taken, judged by its content (an SVG, a PDF, an HTML page). */
export class UnsupportedMediaError extends DomainError {
  readonly code = 'unsupported-media';
}

/** Work the server cannot take on right now, such as a photo while many wait to be resized. */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable';
}
