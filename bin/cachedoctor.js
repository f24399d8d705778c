#!/usr/bin/env node
// Entry point: the built CLI does everything, including setting the exit code.
import { main } from '../dist/cli.js';

main(process.argv);
