/**
 * V8 settings of the `openvmi` executable (imported first by cli.ts; the library never changes
 * engine flags). Translated blocks are thousands of small functions each run tens of thousands
 * of times; V8 optimises a function once it has used up its "interrupt budget" of executed
 * bytecode (135 KB by default on Node 20), so on a short run much of the guest code runs in
 * V8's slower tiers. A budget of 8 KB makes them reach TurboFan sooner: the busybox sh loop of
 * `pnpm bench` goes from ~88 to ~115 million instructions per second, and nothing gets slower
 * (docs/decisions/2026-11-28-block-translation.md). OPENVMI_V8_INTERRUPT_BUDGET overrides it
 * (0 keeps V8's default).
 */
import { setFlagsFromString } from 'node:v8';

const DEFAULT_INTERRUPT_BUDGET = 8 * 1024;

const requested = process.env.OPENVMI_V8_INTERRUPT_BUDGET;
const budget = requested === undefined ? DEFAULT_INTERRUPT_BUDGET : Number(requested);
if (Number.isSafeInteger(budget) && budget > 0) setFlagsFromString(`--interrupt-budget=${budget}`);
