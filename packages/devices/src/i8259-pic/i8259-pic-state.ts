/** Snapshot types of the 8259A pair. */

/** The registers and latches of one 8259A, named as in the datasheet. */
export interface I8259ChipState {
  /** Interrupt request register. */
  irr: number;
  /** In-service register. */
  isr: number;
  /** Interrupt mask register (OCW1). */
  imr: number;
  /** Current level of each input pin (for edge detection). */
  lineLevels: number;
  /** Edge/level control (ELCR); 1 = level-triggered. */
  elcr: number;
  /** Vector base from ICW2 (T7-T3). */
  vectorBase: number;
  /** Lowest-priority rotation: input `priorityAdd` has the highest priority. */
  priorityAdd: number;
  /** OCW3 RIS: false reads IRR, true reads ISR. */
  readIsr: boolean;
  /** OCW3 poll command pending for the next read. */
  poll: boolean;
  /** OCW3 special mask mode. */
  specialMask: boolean;
  /** Initialization step: 0 = ready, 1 waits ICW2, 2 waits ICW3, 3 waits ICW4. */
  initStep: number;
  /** ICW1 IC4: an ICW4 follows. */
  expectIcw4: boolean;
  /** ICW1 SNGL: single mode (no ICW3). */
  single: boolean;
  /** ICW1 LTIM: all inputs level-triggered. */
  levelTriggeredAll: boolean;
  /** ICW3 as written (cascade map on the master, identity on the slave). */
  cascade: number;
  /** ICW4 AEOI. */
  autoEoi: boolean;
  /** OCW2 rotate in automatic EOI mode. */
  rotateOnAutoEoi: boolean;
  /** ICW4 SFNM. */
  specialFullyNested: boolean;
  /** ICW4 as written (uPM and buffered-mode bits kept for read-back tests). */
  icw4: number;
}

/** Snapshot of the master/slave pair, version 1. */
export interface I8259PicState {
  version: 1;
  master: I8259ChipState;
  slave: I8259ChipState;
  /** Acknowledges that found no request (spurious IRQ7/IRQ15). */
  spuriousInterrupts: number;
  /** Accesses at offsets the chip does not decode. */
  invalidAccesses: number;
}
