/**
 * Intel 8259A programmable interrupt controller, as the PC/AT pair: a master (ports 0x20-0x21)
 * and a slave (ports 0xA0-0xA1) cascaded on the master's IR2, plus the PIIX edge/level control
 * registers (ELCR, ports 0x4D0-0x4D1).
 *
 * Datasheet: Intel 8259A Programmable Interrupt Controller (order no. 231468); ELCR from the
 * Intel 82371 PIIX3 datasheet, section 2.4.
 *
 * Registers (offsets within each range the board maps):
 * - `masterPorts` / `slavePorts`: offset 0 = ICW1 / OCW2 / OCW3 (write), IRR / ISR / poll (read);
 *   offset 1 = ICW2-4 during initialization, OCW1 (IMR) after (read and write).
 * - `elcrPorts`: offset 0 = ELCR1 (IRQ0-7; bits 0-2 read 0), offset 1 = ELCR2 (IRQ8-15; bits 0
 *   and 5 read 0).
 *
 * Behaviour follows the datasheet: edge and level (ELCR or ICW1.LTIM) triggering, fully nested
 * and special fully nested modes, automatic EOI with optional rotation, specific and
 * non-specific EOI, rotate and set-priority commands, special mask mode, poll command, and
 * spurious IRQ7/IRQ15 when a request vanished before the acknowledge.
 *
 * NOT IMPLEMENTED: 8080/8085 mode (ICW4.uPM = 0: call-instruction vectors; vectors are always
 * computed as for 8086), buffered mode (ICW4.BUF/M/S: no effect on an emulated bus), more than
 * one slave (only IR2 cascades).
 */
import type { AccessWidth, InterruptSource, IrqLine, PortIo } from '@openvmi/x86-core';
import {
  allOnes,
  byteOf,
  checkVersion,
  counterOf,
  flagOf,
  readBytes,
  writeBytes,
} from '../common/port-access.js';
import type { I8259ChipState, I8259PicState } from './i8259-pic-state.js';

export type { I8259ChipState, I8259PicState } from './i8259-pic-state.js';

/** ELCR bits that exist: IRQ0, 1, 2 (master) and IRQ8, 13 (slave) are always edge. */
const ELCR_MASK = [0xf8, 0xde] as const;

/** Options of the pair. */
export interface I8259PicOptions {
  /** Called when the INTR output to the CPU changes (for waking a halted CPU); default no-op. */
  onInterruptOutput?: (asserted: boolean) => void;
}

function defaultChip(): I8259ChipState {
  return {
    irr: 0,
    isr: 0,
    imr: 0,
    lineLevels: 0,
    elcr: 0,
    vectorBase: 0,
    priorityAdd: 0,
    readIsr: false,
    poll: false,
    specialMask: false,
    initStep: 0,
    expectIcw4: false,
    single: false,
    levelTriggeredAll: false,
    cascade: 0,
    autoEoi: false,
    rotateOnAutoEoi: false,
    specialFullyNested: false,
    icw4: 0,
  };
}

function chipFrom(raw: Partial<I8259ChipState> | undefined, elcrMask: number): I8259ChipState {
  const source = raw ?? {};
  const initStep = counterOf(source.initStep);
  return {
    irr: byteOf(source.irr),
    isr: byteOf(source.isr),
    imr: byteOf(source.imr),
    lineLevels: byteOf(source.lineLevels),
    elcr: byteOf(source.elcr) & elcrMask,
    vectorBase: byteOf(source.vectorBase) & 0xf8,
    priorityAdd: byteOf(source.priorityAdd) & 7,
    readIsr: flagOf(source.readIsr),
    poll: flagOf(source.poll),
    specialMask: flagOf(source.specialMask),
    initStep: initStep <= 3 ? initStep : 0,
    expectIcw4: flagOf(source.expectIcw4),
    single: flagOf(source.single),
    levelTriggeredAll: flagOf(source.levelTriggeredAll),
    cascade: byteOf(source.cascade),
    autoEoi: flagOf(source.autoEoi),
    rotateOnAutoEoi: flagOf(source.rotateOnAutoEoi),
    specialFullyNested: flagOf(source.specialFullyNested),
    icw4: byteOf(source.icw4),
  };
}

/** Priority (0 = highest) of the highest-priority bit set in `mask`, or 8 when none is. */
function priorityOf(chip: I8259ChipState, mask: number): number {
  if (mask === 0) return 8;
  let priority = 0;
  while ((mask & (1 << ((priority + chip.priorityAdd) & 7))) === 0) priority++;
  return priority;
}

function isLevel(chip: I8259ChipState, input: number): boolean {
  return chip.levelTriggeredAll || (chip.elcr & (1 << input)) !== 0;
}

/**
 * The 8259A master/slave pair. Implements `InterruptSource` for the CPU: `hasInterrupt()` is the
 * INTR pin, `acknowledge()` runs the INTA sequence and returns the vector.
 */
export class I8259Pic implements InterruptSource {
  /** Ports 0x20-0x21 (map 2 bytes). */
  readonly masterPorts: PortIo;
  /** Ports 0xA0-0xA1 (map 2 bytes). */
  readonly slavePorts: PortIo;
  /** Ports 0x4D0-0x4D1 (map 2 bytes). */
  readonly elcrPorts: PortIo;
  private state: I8259PicState;
  private readonly onInterruptOutput: (asserted: boolean) => void;
  private interruptOutput = false;
  private readonly lines: IrqLine[];

  constructor(options: I8259PicOptions = {}) {
    this.onInterruptOutput = options.onInterruptOutput ?? (() => {});
    this.state = I8259Pic.defaultState();
    this.masterPorts = this.chipPorts(0);
    this.slavePorts = this.chipPorts(1);
    this.elcrPorts = {
      read: (offset, width) => readBytes(offset, width, (byteOffset) => this.readElcr(byteOffset)),
      write: (offset, width, value) =>
        writeBytes(offset, width, value, (byteOffset, byte) => this.writeElcr(byteOffset, byte)),
    };
    this.lines = [];
    for (let irq = 0; irq < 16; irq++) {
      this.lines.push({ raise: () => this.setIrq(irq, true), lower: () => this.setIrq(irq, false) });
    }
  }

  /** Power-on state (the datasheet leaves it undefined; the BIOS's ICW sequence sets it up). */
  static defaultState(): I8259PicState {
    return {
      version: 1,
      master: defaultChip(),
      slave: defaultChip(),
      spuriousInterrupts: 0,
      invalidAccesses: 0,
    };
  }

  /** The interrupt line of input `irq` (0-15); IRQ2 is the cascade and cannot be driven. */
  irqLine(irq: number): IrqLine {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`no PIC input ${irq}`);
    return this.lines[irq];
  }

  /** Drives input `irq` (0-15) to `level`. IRQ2 is the slave's output and is ignored here. */
  setIrq(irq: number, level: boolean): void {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15 || irq === 2) return;
    const chip = irq < 8 ? this.state.master : this.state.slave;
    this.setInput(chip, irq & 7, level);
    this.update();
  }

  /** True when INTR to the CPU is asserted (a request beats the in-service priority on the master). */
  hasInterrupt(): boolean {
    return this.highestRequest(this.state.master, true) >= 0;
  }

  /**
   * INTA sequence: acknowledges the highest-priority request and returns its vector. With no
   * request left (it was withdrawn), returns the spurious vector of IR7 without setting ISR.
   */
  acknowledge(): number {
    const master = this.state.master;
    const slave = this.state.slave;
    let vector: number;
    const irq = this.highestRequest(master, true);
    if (irq < 0) {
      this.state.spuriousInterrupts++;
      vector = master.vectorBase | 7;
    } else {
      this.acknowledgeInput(master, irq);
      if (irq === 2) {
        const slaveIrq = this.highestRequest(slave, false);
        if (slaveIrq < 0) {
          this.state.spuriousInterrupts++;
          vector = slave.vectorBase | 7;
        } else {
          this.acknowledgeInput(slave, slaveIrq);
          vector = slave.vectorBase | slaveIrq;
        }
      } else {
        vector = master.vectorBase | irq;
      }
    }
    this.update();
    return vector;
  }

  /** Re-initializes both chips to the power-on state (ELCR included). */
  reset(): void {
    this.state = I8259Pic.defaultState();
    this.update();
  }

  /** A deep copy of the state. */
  getState(): I8259PicState {
    return {
      version: 1,
      master: { ...this.state.master },
      slave: { ...this.state.slave },
      spuriousInterrupts: this.state.spuriousInterrupts,
      invalidAccesses: this.state.invalidAccesses,
    };
  }

  /** Restores a snapshot made by `getState` (fields are masked). @throws TypeError on an unknown version. */
  static fromState(state: I8259PicState, options: I8259PicOptions = {}): I8259Pic {
    checkVersion(state, 1, 'I8259Pic');
    const pic = new I8259Pic(options);
    pic.state = {
      version: 1,
      master: chipFrom(state.master, ELCR_MASK[0]),
      slave: chipFrom(state.slave, ELCR_MASK[1]),
      spuriousInterrupts: counterOf(state.spuriousInterrupts),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    pic.interruptOutput = pic.hasInterrupt();
    return pic;
  }

  private chipPorts(index: 0 | 1): PortIo {
    return {
      read: (offset: number, width: AccessWidth) => {
        if (offset < 0 || offset + width > 2) {
          this.state.invalidAccesses++;
          return allOnes(width);
        }
        return readBytes(offset, width, (byteOffset) => this.readChip(index, byteOffset));
      },
      write: (offset: number, width: AccessWidth, value: number) => {
        if (offset < 0 || offset + width > 2) {
          this.state.invalidAccesses++;
          return;
        }
        writeBytes(offset, width, value, (byteOffset, byte) => this.writeChip(index, byteOffset, byte));
      },
    };
  }

  private chip(index: 0 | 1): I8259ChipState {
    return index === 0 ? this.state.master : this.state.slave;
  }

  private readElcr(offset: number): number {
    if (offset === 0) return this.state.master.elcr;
    if (offset === 1) return this.state.slave.elcr;
    this.state.invalidAccesses++;
    return 0xff;
  }

  private writeElcr(offset: number, value: number): void {
    if (offset === 0) this.state.master.elcr = value & ELCR_MASK[0];
    else if (offset === 1) this.state.slave.elcr = value & ELCR_MASK[1];
    else {
      this.state.invalidAccesses++;
      return;
    }
    this.update();
  }

  private setInput(chip: I8259ChipState, input: number, level: boolean): void {
    const bit = 1 << input;
    if (isLevel(chip, input)) {
      if (level) {
        chip.irr |= bit;
        chip.lineLevels |= bit;
      } else {
        chip.irr &= ~bit;
        chip.lineLevels &= ~bit;
      }
    } else if (level) {
      if ((chip.lineLevels & bit) === 0) chip.irr |= bit;
      chip.lineLevels |= bit;
    } else {
      chip.lineLevels &= ~bit;
    }
  }

  /**
   * The input that would interrupt now, or -1: the highest-priority unmasked request that beats
   * the highest in-service level (special mask mode ignores masked in-service levels; special
   * fully nested mode on the master lets the cascade input interrupt its own service).
   */
  private highestRequest(chip: I8259ChipState, isMaster: boolean): number {
    const requests = chip.irr & ~chip.imr & 0xff;
    const priority = priorityOf(chip, requests);
    if (priority === 8) return -1;
    let inService = chip.isr;
    if (chip.specialMask) inService &= ~chip.imr;
    if (isMaster && chip.specialFullyNested) inService &= ~(1 << 2);
    const servicePriority = priorityOf(chip, inService & 0xff);
    return priority < servicePriority ? (priority + chip.priorityAdd) & 7 : -1;
  }

  private acknowledgeInput(chip: I8259ChipState, input: number): void {
    const bit = 1 << input;
    if (chip.autoEoi) {
      if (chip.rotateOnAutoEoi) chip.priorityAdd = (input + 1) & 7;
    } else {
      chip.isr |= bit;
    }
    if (!isLevel(chip, input)) chip.irr &= ~bit;
  }

  private readChip(index: 0 | 1, offset: number): number {
    const chip = this.chip(index);
    if (chip.poll) {
      chip.poll = false;
      const input = this.highestRequest(chip, index === 0);
      if (input < 0) return 0;
      this.acknowledgeInput(chip, input);
      this.update();
      return 0x80 | input;
    }
    if (offset === 0) return chip.readIsr ? chip.isr : chip.irr;
    return chip.imr;
  }

  private writeChip(index: 0 | 1, offset: number, value: number): void {
    const chip = this.chip(index);
    if (offset === 0) {
      if (value & 0x10) this.writeIcw1(index, value);
      else if (value & 0x08) this.writeOcw3(chip, value);
      else this.writeOcw2(chip, value);
    } else {
      switch (chip.initStep) {
        case 0:
          chip.imr = value;
          break;
        case 1:
          chip.vectorBase = value & 0xf8;
          chip.initStep = chip.single ? (chip.expectIcw4 ? 3 : 0) : 2;
          break;
        case 2:
          chip.cascade = value;
          chip.initStep = chip.expectIcw4 ? 3 : 0;
          break;
        default:
          chip.icw4 = value & 0x1f;
          chip.autoEoi = (value & 0x02) !== 0;
          chip.specialFullyNested = (value & 0x10) !== 0;
          chip.initStep = 0;
          break;
      }
    }
    this.update();
  }

  private writeIcw1(index: 0 | 1, value: number): void {
    const old = this.chip(index);
    const chip = defaultChip();
    // ICW1 clears IMR and ISR, resets priorities, selects IRR; ELCR and pin levels survive.
    chip.elcr = old.elcr;
    chip.lineLevels = old.lineLevels;
    chip.levelTriggeredAll = (value & 0x08) !== 0;
    chip.irr = chip.levelTriggeredAll ? old.lineLevels : old.irr & old.elcr;
    chip.expectIcw4 = (value & 0x01) !== 0;
    chip.single = (value & 0x02) !== 0;
    chip.initStep = 1;
    if (index === 0) this.state.master = chip;
    else this.state.slave = chip;
  }

  private writeOcw3(chip: I8259ChipState, value: number): void {
    if (value & 0x04) chip.poll = true;
    if (value & 0x02) chip.readIsr = (value & 0x01) !== 0;
    if (value & 0x40) chip.specialMask = (value & 0x20) !== 0;
  }

  private writeOcw2(chip: I8259ChipState, value: number): void {
    const level = value & 7;
    switch (value >> 5) {
      case 0: // rotate in automatic EOI mode (clear)
        chip.rotateOnAutoEoi = false;
        break;
      case 4: // rotate in automatic EOI mode (set)
        chip.rotateOnAutoEoi = true;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const priority = priorityOf(chip, chip.isr);
        if (priority === 8) break;
        const input = (priority + chip.priorityAdd) & 7;
        chip.isr &= ~(1 << input);
        if (value >> 5 === 5) chip.priorityAdd = (input + 1) & 7;
        break;
      }
      case 3: // specific EOI
        chip.isr &= ~(1 << level);
        break;
      case 7: // rotate on specific EOI
        chip.isr &= ~(1 << level);
        chip.priorityAdd = (level + 1) & 7;
        break;
      case 6: // set priority: `level` becomes the lowest
        chip.priorityAdd = (level + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
  }

  /** Propagates the slave's INT to the master's IR2 and the master's INT to the CPU. */
  private update(): void {
    const slaveOutput = this.highestRequest(this.state.slave, false) >= 0;
    this.setInput(this.state.master, 2, slaveOutput);
    const output = this.hasInterrupt();
    if (output !== this.interruptOutput) {
      this.interruptOutput = output;
      this.onInterruptOutput(output);
    }
  }
}
