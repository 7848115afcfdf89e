import { type Flags, out, withHub } from './shared.ts';

/** `switchyard migrate`: opening the hub applies the migrations. */
export async function migrate(values: Flags) {
  await withHub(values, async (hub) => out(`migrations applied on ${hub.databaseLabel}`));
}
