/** One item waiting for the batch that commits it, and its caller's promise. */
export interface Pending<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent items are written together, at most `concurrency` batches at once, and each caller
 * is answered when its batch is done (`write` resolves or rejects every item it is given). No item waits for a
 * batch to fill: a batch forms only from what arrived while earlier batches were being written.
 */
export class GroupCommit<Item, Result> {
  readonly #write: (batch: Pending<Item, Result>[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #waiting: Pending<Item, Result>[] = [];
  #writing = 0;

  constructor(
    write: (batch: Pending<Item, Result>[]) => Promise<void>,
    options: { maxBatch: number; concurrency: number },
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch;
    this.#concurrency = options.concurrency;
  }

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#writing < this.#concurrency && this.#waiting.length) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#writing++;
      void this.#write(batch)
        .catch((error: unknown) => {
          for (const p of batch) p.reject(error);
        })
        .finally(() => {
          this.#writing--;
          this.#pump();
        });
    }
  }
}
