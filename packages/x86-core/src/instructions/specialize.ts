/**
 * Handlers compiled per opcode variant. V8 keeps optimized code and type feedback per function
 * literal, so every closure a factory returns shares them: a closure over an operation number
 * or a semantic function dispatches on it at run time and its inner calls see every variant
 * (megamorphic, not inlined). A handler compiled from source here is its own literal: constants
 * written into the source fold (the ALU switch, the condition code), and the functions it calls
 * through `bindings` are monomorphic there and inline. The sources are built in this package
 * from constants, never from guest data; each is compiled once, when the opcode table is built.
 */

import type { InstructionHandler } from '../decoder/instruction.js';

/**
 * Compiles `source` (a function expression of `(cpu, instruction)`) as a new function literal;
 * `bindings` are the names it may use besides its parameters.
 */
export function compileHandler(source: string, bindings: Record<string, unknown> = {}): InstructionHandler {
  const names = Object.keys(bindings);
  const factory = new Function(...names, `"use strict"; return ${source};`);
  return factory(...names.map((name) => bindings[name])) as InstructionHandler;
}
