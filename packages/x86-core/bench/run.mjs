// `pnpm bench` for x86-core: guest MIPS of CPU-bound loops in flat protected mode, printed as a
// table. Uses the built package (dist/), so run `pnpm build` first (pnpm bench does).

import { Cpu, PhysicalMemory, PortBus, Register } from '../dist/index.js';

const CODE = 0x1000;
const BUFFER = 0x100000;
const BUFFER_BYTES = 64 * 1024;

function dword(value) {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** Workloads: name, code bytes (ending in INT 0x80), a description. */
const workloads = [
  {
    name: 'checksum loop',
    description: 'mov/add/rol/xor/add/dec/jnz over a 64 KiB buffer',
    code: (outer) => [
      0xbf,
      ...dword(outer), //            mov edi, outer
      0xbe,
      ...dword(BUFFER), //           outer: mov esi, BUFFER
      0xb9,
      ...dword(BUFFER_BYTES / 4), // mov ecx, count
      0x8b,
      0x1e, //                       inner: mov ebx, [esi]
      0x01,
      0xd8, //                       add eax, ebx
      0xc1,
      0xc0,
      0x05, //                 rol eax, 5
      0x31,
      0xc2, //                       xor edx, eax
      0x83,
      0xc6,
      0x04, //                 add esi, 4
      0x49, //                             dec ecx
      0x75,
      0xf1, //                       jnz inner
      0x4f, //                             dec edi
      0x75,
      0xe4, //                       jnz outer
      0xcd,
      0x80, //                       int 0x80
    ],
    inner: 7,
  },
  {
    name: 'call/push/pop loop',
    description: 'call a function that pushes, adds, pops and returns',
    code: (outer) => [
      0xb9,
      ...dword(outer * 4096), //     mov ecx, n
      0xe8,
      ...dword(6), //                loop: call f
      0x49, //                             dec ecx
      0x75,
      0xf8, //                       jnz loop
      0xcd,
      0x80, //                       int 0x80
      0x90, //                             (pad)
      0x53, //                             f: push ebx
      0x01,
      0xc8, //                       add eax, ecx
      0x5b, //                             pop ebx
      0xc3, //                             ret
    ],
    inner: 7,
  },
  {
    name: 'rep movsd',
    description: 'copies 64 KiB with REP MOVSD repeatedly (counted per element)',
    code: (outer) => [
      0xbb,
      ...dword(outer * 16), //       mov ebx, n
      0xbe,
      ...dword(BUFFER), //           again: mov esi, BUFFER
      0xbf,
      ...dword(BUFFER + BUFFER_BYTES), // mov edi, BUFFER+64K
      0xb9,
      ...dword(BUFFER_BYTES / 4), // mov ecx, count
      0xf3,
      0xa5, //                       rep movsd
      0x4b, //                             dec ebx
      0x75,
      0xec, //                       jnz again
      0xcd,
      0x80,
    ],
    elements: true,
  },
];

function runWorkload(workload, outer, paging = false, translate = true) {
  const memory = new PhysicalMemory({ ramBytes: 4 << 20 });
  const cpu = new Cpu({ memory, ports: new PortBus() });
  cpu.blockTranslation = translate;
  cpu.enterFlatProtectedMode({ cpl: 3 });
  if (paging) {
    // Identity-map 4 MiB with 4 KiB user pages: page directory at 0x3f0000, table at 0x3f1000.
    memory.write32(0x3f0000, 0x3f1000 | 7);
    for (let page = 0; page < 1024; page++) memory.write32(0x3f1000 + page * 4, (page << 12) | 7);
    cpu.cr4 = 0;
    cpu.cr3 = 0x3f0000;
    cpu.cr0 = (cpu.cr0 | 0x80000000) >>> 0;
    cpu.invalidateTranslations();
  }
  memory.writeBytes(CODE, new Uint8Array(workload.code(outer)));
  for (let offset = 0; offset < BUFFER_BYTES; offset += 4)
    memory.write32(BUFFER + offset, Math.imul(offset, 2654435761) >>> 0);
  cpu.eip = CODE;
  cpu.writeRegister(Register.Esp, 0x80000);
  cpu.intercepts.softwareInterrupts.add(0x80);
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let retired = 0;
  for (;;) {
    const result = cpu.run(50_000_000);
    retired += result.retired;
    if (result.reason === 'exit') break;
    if (result.reason !== 'budget') throw new Error(`stopped: ${result.reason}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuUsed = process.cpuUsage(cpuStart);
  return { retired, seconds, cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6 };
}

const rows = [];
const cases = [...workloads.map((workload) => [workload, false]), [workloads[0], true]];
for (const translate of [true, false]) {
  for (const [workload, paging] of cases) {
    runWorkload(workload, 4, paging, translate); // warm-up
    const outer = workload.name === 'rep movsd' ? 256 : 400;
    const { retired, seconds, cpuSeconds } = runWorkload(workload, outer, paging, translate);
    let instructions = retired;
    if (workload.elements) instructions = retired + outer * 16 * (BUFFER_BYTES / 4);
    rows.push({
      workload: paging ? `${workload.name} (paging on)` : workload.name,
      engine: translate ? 'blocks' : 'interpreter',
      'guest instructions': instructions,
      'wall s': seconds.toFixed(3),
      'MIPS (wall)': (instructions / seconds / 1e6).toFixed(1),
      'MIPS (CPU time)': (instructions / cpuSeconds / 1e6).toFixed(1),
    });
  }
}
console.log(
  'x86-core, flat protected mode, CPL 3: with block translation (default) and interpreter only\n' +
    '(CPU-time MIPS includes V8 compiling blocks on its background thread)',
);
console.table(rows);
