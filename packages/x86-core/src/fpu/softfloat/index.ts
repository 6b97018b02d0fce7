/** 80-bit extended-precision softfloat (see floatx80.ts). */
export * from './floatx80.js';
