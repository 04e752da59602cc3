// Long-lived things are torn down in reverse order of start-up; this store keeps that order.

export type Teardown = () => void | Promise<void>;

export class DisposableStack {
  readonly #teardowns: Teardown[] = [];
  #disposed = false;

  /** Registers a teardown; it runs before every teardown registered earlier. */
  defer(teardown: Teardown): void {
    if (this.#disposed) throw new Error("DisposableStack already disposed");
    this.#teardowns.push(teardown);
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Runs every teardown in reverse order; one failing does not stop the rest. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const errors: unknown[] = [];
    for (const teardown of this.#teardowns.reverse()) {
      try {
        await teardown();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#teardowns.length = 0;
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, "several teardowns failed");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
