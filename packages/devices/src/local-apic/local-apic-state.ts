/** Snapshot of a local APIC, version 1; register names as in the Intel SDM vol. 3 ch. 10/11. */
export interface LocalApicState {
  version: 1;
  /** IA32_APIC_BASE MSR (bit 8 BSP, bit 11 global enable, bits 12-35 base). */
  baseMsr: number;
  /** APIC ID (bits 31-24 of the ID register). */
  id: number;
  /** Task priority register (bits 7-0). */
  tpr: number;
  /** Logical destination register (bits 31-24). */
  ldr: number;
  /** Destination format register (bits 31-28; the rest read 1). */
  dfr: number;
  /** Spurious-interrupt vector register. */
  svr: number;
  /** In-service register, 8 dwords (vectors 0-255). */
  isr: number[];
  /** Trigger mode register, 8 dwords (1 = level). */
  tmr: number[];
  /** Interrupt request register, 8 dwords. */
  irr: number[];
  /** Error status register as read (latched by a write). */
  esr: number;
  /** Errors collected since the last ESR write. */
  pendingErrors: number;
  /** Interrupt command register, low and high dwords. */
  icrLow: number;
  icrHigh: number;
  /** LVT: timer, thermal, performance counter, LINT0, LINT1, error. */
  lvt: number[];
  /** Timer initial count. */
  initialCount: number;
  /** Timer divide configuration (bits 0, 1, 3). */
  divideConfiguration: number;
  /** Bus clock tick (counted from virtual time 0) when the initial count was written. */
  timerLoadTick: number;
  /** Timer expirations already delivered since the load. */
  timerExpirations: number;
  /** IPIs to other processors and unsupported delivery modes, ignored. */
  ignoredIpis: number;
  /** Accesses at offsets or widths the APIC does not decode. */
  invalidAccesses: number;
}
