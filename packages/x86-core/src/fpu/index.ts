/**
 * The x87 FPU: state, instruction semantics and the 80-bit softfloat they use.
 *
 * Seam for the CPU: construct one {@link Fpu} per CPU, pass every D8..DF escape to
 * {@link executeFpu} and FWAIT (9B) to {@link executeFwait}, with an {@link FpuHost} adapter over the
 * CPU's linear-memory helpers. A non-zero outcome is an exception vector (#UD 6, #NM 7, #MF 16)
 * the CPU delivers with EIP at the faulting instruction. See README.md.
 */
import type { Fpu, FpuHost, FpuInstruction, FpuOutcomeValue } from './fpu-instructions.js';

export * from './fpu-instructions.js';
export * from './fpu-state.js';
export * from './softfloat/index.js';

/** Executes one x87 escape instruction (opcode D8..DF) on `fpu`. */
export function executeFpu(fpu: Fpu, host: FpuHost, instruction: FpuInstruction): FpuOutcomeValue {
  return fpu.execute(host, instruction);
}

/** Executes FWAIT/WAIT (9B): #NM when CR0.TS and CR0.MP, else delivers a pending x87 exception. */
export function executeFwait(fpu: Fpu, host: FpuHost): FpuOutcomeValue {
  return fpu.executeWait(host);
}
