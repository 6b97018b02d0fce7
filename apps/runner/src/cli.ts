#!/usr/bin/env node
/** The `openvmi` executable: argv in, exit status out. All host I/O of the CLI starts here. */
import './v8-tuning.js';
import { runCli } from './run-cli.js';

const status = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stdin: process.stdin,
});
process.exitCode = status;
