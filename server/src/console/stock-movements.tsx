/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Movement } from '@switchyard/core';
import { Time } from './layout.tsx';

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/** What a movement says, beside its effect: a count's figure, a safety stock's level. */
function said(m: Movement): string {
  if (m.kind === 'count') return `counted ${m.quantity}`;
  if (m.kind === 'safety') return `hold back ${m.quantity}`;
  if (m.kind === 'adjustment') return signed(m.quantity);
  return String(m.quantity);
}

/** The movements behind the figures, newest first, each with its effect and the balance it left. */
export function MovementTable({ movements, base }: { movements: Movement[]; base: string }) {
  return (
    <div class="table-wrap">
      <table class="list stack">
        <caption class="visually-hidden">Movements, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Location</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">
              Quantity
            </th>
            <th scope="col" class="num">
              On hand change
            </th>
            <th scope="col" class="num">
              Reserved change
            </th>
            <th scope="col" class="num">
              Balance after
            </th>
            <th scope="col">Reason</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {movements.map((m) => (
            <tr id={`movement-${m.id}`}>
              <td data-label="When">
                <Time at={m.at} />
              </td>
              <td data-label="Location">{m.locationId}</td>
              <td data-label="Kind">{m.kind}</td>
              <td class="num" data-label="Quantity">
                {said(m)}
              </td>
              <td class="num" data-label="On hand">
                {signed(m.onHandChange)}
              </td>
              <td class="num" data-label="Reserved">
                {signed(m.reservedChange)}
              </td>
              <td class="num" data-label="After">
                {m.onHandAfter} on hand, {m.reservedAfter} reserved
              </td>
              <td class="message-cell" data-label="Reason">
                {m.reason ?? '—'}
              </td>
              <td data-label="Source">
                {m.sourceRef ? (
                  <a href={`${base}/orders/${encodeURIComponent(m.sourceRef)}`}>order {m.sourceRef}</a>
                ) : (
                  (m.actor ?? '—')
                )}
              </td>
            </tr>
          ))}
          <tr class="empty-row">
            <td colspan={9}>No movements.</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
