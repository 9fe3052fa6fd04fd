// Runs operations on one file id one after another, so that two concurrent adds (or an add
// and a remove) of one id cannot leave a row describing one copy and a file holding another.

export class IdLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(id: string, op: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(id) ?? Promise.resolve();
    const next = prev.then(op, op);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(id, settled);
    void settled.then(() => {
      if (this.tails.get(id) === settled) this.tails.delete(id);
    });
    return next;
  }
}
