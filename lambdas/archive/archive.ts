/**
 * Archive service: keeps every published event, keyed by the time it occurred, so that
 * `order-events replay <service> --from … --to …` can re-send a time range to one service's queue
 * on a standard topic (a FIFO topic has SNS's own archive and ReplayPolicy instead).
 */
import { type OrderPlaced, orderPlacedAttributes } from '../shared/contract.ts';
import type { EffectOutcome } from '../shared/effects.ts';

/**
 * This service's name: its SERVICE_NAME, idempotency key prefix, metrics dimension and stack output
 * prefix. infra/config.ts deploys the service under it; the handler checks SERVICE_NAME against it.
 */
export const ARCHIVE_SERVICE = 'archive';

/**
 * Days an archived event is kept (and the SNS ArchivePolicy of a FIFO topic): the window a replay
 * can reach back. Below every idempotency expiry (validated at synth), so a replayed event that was
 * processed already is still recognised as a duplicate unless the replay asks to reprocess it.
 */
export const ARCHIVE_RETENTION_DAYS = 14;

/** One archived event: the message as the topic delivers it (raw body and its attributes). */
export interface ArchivedEvent {
  readonly eventId: string;
  /** ISO UTC time the event occurred (`occurredAt`, normalised to `Z`). */
  readonly occurredAt: string;
  /** The raw message body (the event JSON). */
  readonly body: string;
  /** The SNS message attributes the publisher sets (what subscription filter policies match). */
  readonly attributes: Readonly<Record<string, { readonly DataType: string; readonly StringValue: string }>>;
  /** Epoch seconds after which the archive may drop it. */
  readonly expiresAt: number;
}

/** Storage of archived events. */
export interface EventArchivePort {
  /** Stores the event once: a second put of the same event changes nothing (`already-applied`). */
  put(entry: ArchivedEvent): Promise<EffectOutcome>;
}

/** The archive entry of an event, archived at `now`. */
export function toArchivedEvent(event: OrderPlaced, now: Date): ArchivedEvent {
  const attributes = orderPlacedAttributes(event) as ArchivedEvent['attributes'];
  return {
    eventId: event.eventId,
    occurredAt: new Date(event.occurredAt).toISOString(),
    body: JSON.stringify(event),
    attributes,
    expiresAt: Math.floor(now.getTime() / 1000) + ARCHIVE_RETENTION_DAYS * 24 * 3600,
  };
}

/** Archives one event, once (the archive item is its own per-event marker). */
export async function archiveEvent(
  event: OrderPlaced,
  archive: EventArchivePort,
  now: Date = new Date(),
): Promise<{ outcome: EffectOutcome }> {
  return { outcome: await archive.put(toArchivedEvent(event, now)) };
}
