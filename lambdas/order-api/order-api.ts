/** Order API business logic: validate an order, build its OrderPlaced event, publish it. */
import { buildOrderPlaced, type OrderPlaced, type OrderPlacedMeta } from '../shared/contract.ts';

/** Where events go (the SNS topic in production). */
export interface EventPublisherPort {
  publish(event: OrderPlaced): Promise<{ messageId: string }>;
}

/** Result of an accepted order. */
export interface PlacedOrder {
  readonly eventId: string;
  readonly orderId: string;
  readonly messageId: string;
}

/**
 * Validates `input` with the order schema, builds the event (deterministic eventId) and publishes
 * it. Invalid input publishes nothing.
 * @throws ContractViolationError listing every invalid field
 */
export async function placeOrder(
  input: unknown,
  meta: OrderPlacedMeta,
  publisher: EventPublisherPort,
): Promise<PlacedOrder> {
  const event = buildOrderPlaced(input, meta);
  const { messageId } = await publisher.publish(event);
  return { eventId: event.eventId, orderId: event.data.orderId, messageId };
}
