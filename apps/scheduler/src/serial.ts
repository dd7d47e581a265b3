/**
 * Runs tasks one at a time, in the order they were submitted. Event handling, polling and
 * reconciliation all go through one of these, so decisions within a study are sequential
 * (STYLE §2.6: one scheduler replica, one decision at a time).
 */
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

export function createSerial(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
