/**
 * Lazy arithmetic flags. ADD/ADC/SUB/SBB/logic/INC/DEC record their operands, result and width
 * in the CPU instead of computing six flags; a flag is computed only when something reads it
 * (Jcc, SETcc, PUSHF, ...). Everything else writes the flags eagerly (`LazyOp.None`).
 */

/** What produced the lazy flags. */
export const LazyOp = {
  /** All six arithmetic flags are in `flagsValue`. */
  None: 0,
  Add: 1,
  /** ADC with carry-in 1 (ADC with carry-in 0 is recorded as Add). */
  AddWithCarry: 2,
  Sub: 3,
  /** SBB with borrow-in 1 (SBB with borrow-in 0 is recorded as Sub). */
  SubWithBorrow: 4,
  /** AND/OR/XOR/TEST: CF=OF=AF=0. */
  Logic: 5,
  /** INC: CF is kept in `flagsValue`. */
  Increment: 6,
  /** DEC: CF is kept in `flagsValue`. */
  Decrement: 7,
} as const;

/** Parity flag (bit 2) of each byte value: set when the number of one bits is even. */
export const PARITY_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let value = 0; value < 256; value++) {
    let bits = 0;
    for (let bit = 0; bit < 8; bit++) bits += (value >> bit) & 1;
    table[value] = bits % 2 === 0 ? 4 : 0;
  }
  return table;
})();

/** Sign bit of each operand size (index = size in bytes). */
export const SIGN_BIT = [0, 0x80, 0x8000, 0, 0x80000000] as const;
/** Value mask of each operand size (index = size in bytes). */
export const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;
