// One sandbox per test file: started in before(), torn down in after() even when tests fail.
import { after, before } from 'node:test';
import { Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';

/** Starts a sandbox for the current test file; a server that cannot start fails the tests with the reason. */
export function useSandbox(opts: SandboxOptions = {}): () => Sandbox {
  let sb: Sandbox | undefined;
  let failure: unknown;
  before(async () => {
    try {
      sb = await Sandbox.start(opts);
    } catch (err) {
      failure = err;
      throw err;
    }
  });
  after(async () => {
    await sb?.teardown();
  });
  return () => {
    if (!sb) throw new Error(`sandbox did not start: ${String(failure)}`);
    return sb;
  };
}
