#!/usr/bin/env node
// The `order-events` CLI (cli/main.ts). tsx's loader compiles the TypeScript sources on the fly, as
// for `npm start`: the CLI shares the project's code (contract, publisher, config) with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
