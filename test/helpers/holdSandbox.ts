// Test helper process: starts a sandbox, prints its folder and pids as JSON, and waits to be signalled or killed.
import { Sandbox } from '../../src/sandbox/sandbox.js';

const sb = await Sandbox.start();
process.stdout.write(`${JSON.stringify({ dir: sb.dir, pids: sb.pids() })}\n`);
setInterval(() => {}, 60_000);
