import { defineWorkflow } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { triggerTasks } from '../src/engines/trigger.ts';

/** The workflows as Trigger.dev tasks (the adapter's run side is tested in trigger.test.ts). */
const charge = defineWorkflow({ name: 'charge', run: async () => 'charged' });
const waiter = defineWorkflow({ name: 'waiter', run: async () => 'waited' });

describe('the tasks', () => {
  it('exports each workflow as a task named after it, and refuses a name given twice', () => {
    const exported = triggerTasks([charge, waiter]);
    expect(Object.keys(exported)).toEqual(['charge', 'waiter']);
    expect(exported.charge!.id).toBe('charge');
    expect(() => triggerTasks([charge, charge])).toThrow(/given twice/);
  });

  it('imports the deployed order task without a database or config (Trigger.dev indexes it at deploy)', async () => {
    const { order } = await import('../src/trigger/order.ts');
    expect(order.id).toBe('order');
  });
});
