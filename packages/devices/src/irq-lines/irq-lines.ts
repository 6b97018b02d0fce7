/**
 * Interrupt-line plumbing for a board: fan one device output out to several controller inputs
 * (ISA IRQ n goes to both 8259 input n and I/O APIC pin n), and wire-OR several device outputs
 * onto one input (COM1 and COM3 share IRQ4; two deasserting sources must not drop a line a
 * third still holds).
 *
 * Not a chip: no registers, no state to snapshot beyond the source levels, which the sources'
 * own snapshots restore when they re-drive their lines.
 */
import type { IrqLine } from '@openvmi/x86-core';

/** One line driving every `targets` line the same way. */
export function fanOutIrqLine(...targets: IrqLine[]): IrqLine {
  return {
    raise(): void {
      for (const target of targets) target.raise();
    },
    lower(): void {
      for (const target of targets) target.lower();
    },
  };
}

/**
 * A wired-OR input: `source()` hands out one line per device; `target` is raised while any
 * source is asserted and lowered when the last one lets go.
 */
export class SharedIrqLine {
  private readonly target: IrqLine;
  private readonly levels: boolean[] = [];
  private asserted = 0;

  constructor(target: IrqLine) {
    this.target = target;
  }

  /** A new source line on this input. */
  source(): IrqLine {
    const index = this.levels.length;
    this.levels.push(false);
    return {
      raise: () => this.drive(index, true),
      lower: () => this.drive(index, false),
    };
  }

  /** True while at least one source is asserted. */
  level(): boolean {
    return this.asserted > 0;
  }

  private drive(index: number, level: boolean): void {
    if (this.levels[index] === level) return;
    this.levels[index] = level;
    this.asserted += level ? 1 : -1;
    if (level && this.asserted === 1) this.target.raise();
    else if (!level && this.asserted === 0) this.target.lower();
  }
}
