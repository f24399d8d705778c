// One sandbox per test file: started once (by the first hook that needs it), torn down after all tests, even
// when tests fail. Suite-level before() hooks may run before file-level ones: they await sandbox.ready().
import { after, before } from 'node:test';
import { Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';

export interface SandboxAccess {
  /** The running sandbox; throws with the start failure if it could not start. */
  (): Sandbox;
  /** Starts it if needed and waits until it is ready. */
  ready(): Promise<Sandbox>;
}

export function useSandbox(opts: SandboxOptions = {}): SandboxAccess {
  let sb: Sandbox | undefined;
  let starting: Promise<Sandbox> | undefined;
  let failure: unknown;
  const ready = () =>
    (starting ??= Sandbox.start(opts).then(
      (s) => (sb = s),
      (err) => {
        failure = err;
        throw err;
      },
    ));
  before(ready);
  after(async () => {
    await (starting?.catch(() => undefined) ?? Promise.resolve());
    await sb?.teardown();
  });
  const access = (() => {
    if (!sb) throw new Error(`sandbox did not start: ${String(failure)}`);
    return sb;
  }) as SandboxAccess;
  access.ready = ready;
  return access;
}
