import type { BlogFigures, EphemeralEvents } from '../event-log/events';
import type { LogEvent } from '../event-log/log-event.entity';
import { encodeFrame, HEARTBEAT_FRAME } from './sse-frame';
import { asChunk } from './sse-transport';

/**
 * The stream's events as the chunks readers' sockets get, each encoded once and shared by
 * every reader it goes to.
 */

/** A logged event: its id, its type, and its payload exactly as logged. */
export function durableChunk(event: Pick<LogEvent, 'id' | 'type' | 'payload'>): Buffer {
  return asChunk(encodeFrame({ id: event.id, type: event.type, data: event.payload }));
}

/** A blog's ephemeral figures: no id, so the client's last event id stays put. */
export function figuresChunk({ type, data }: Pick<BlogFigures, 'type' | 'data'>): Buffer {
  return asChunk(encodeFrame({ type, data: JSON.stringify(data) }));
}

/** Tells one reader to reload: its cursor cannot be resumed from. Live events follow `newestId`. */
export function resetChunk(newestId: number, data: EphemeralEvents['reset']): Buffer {
  return asChunk(encodeFrame({ id: newestId, type: 'reset', data: JSON.stringify(data) }));
}

export const HEARTBEAT_CHUNK = asChunk(HEARTBEAT_FRAME);
