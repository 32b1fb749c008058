import { describe, expect, it } from 'vitest';
import { placeOrder } from '../../../lambdas/order-api/order-api.ts';
import type { OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { orderPlacedEventId } from '../../../lambdas/shared/contract.ts';
import { ContractViolationError } from '../../../lambdas/shared/errors.ts';
import { sampleOrder } from '../helpers/orders.ts';

const memoryPublisher = () => {
  const events: OrderPlaced[] = [];
  return {
    events,
    publish: async (e: OrderPlaced) => {
      events.push(e);
      return { messageId: `m-${events.length}` };
    },
  };
};

describe('placeOrder', () => {
  it('validates, builds the event with a deterministic eventId and publishes it', async () => {
    const publisher = memoryPublisher();
    const order = sampleOrder();
    const placed = await placeOrder(order, { source: 'order-api', correlationId: 'c-1' }, publisher);
    expect(placed).toEqual({
      eventId: orderPlacedEventId(order.orderId),
      orderId: order.orderId,
      messageId: 'm-1',
    });
    expect(publisher.events).toHaveLength(1);
    expect(publisher.events[0]).toMatchObject({ correlationId: 'c-1', source: 'order-api', data: order });
  });

  it('publishes nothing for an invalid order', async () => {
    const publisher = memoryPublisher();
    await expect(placeOrder({ ...sampleOrder(), email: 'nope' }, {}, publisher)).rejects.toBeInstanceOf(
      ContractViolationError,
    );
    expect(publisher.events).toEqual([]);
  });
});
