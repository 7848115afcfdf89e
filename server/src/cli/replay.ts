import { replayWithClient } from '@switchyard/workflows';
import { engineKind, triggerEngine } from '../workflows.ts';
import { type Flags, out, UsageError, withHub } from './shared.ts';

/** `switchyard replay <workflow id>`: a failed order workflow resumed from the step that failed. */
export async function replay(values: Flags, [id]: string[]) {
  if (!id) throw new UsageError('usage: switchyard replay <workflow id>, e.g. order:ord_01J…');
  await withHub(values, async (hub) => {
    if (engineKind() === 'trigger') await (await triggerEngine(hub.sql)).replay(id);
    else await replayWithClient(hub.databaseUrl, id);
    out(`${id}: replaying from the step that failed; the running hub picks it up`);
  });
}
