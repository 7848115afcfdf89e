import type { z } from 'zod';

/** A schema's refusal in one line: its first five issues, each at its path under `prefix` ("(body)" for the root). */
export function zodMessage(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}
