/*
 * x87 oracle for the FPU conformance test: reads 32-byte records from stdin, runs one x87
 * operation per record and writes a 160-byte result record to stdout. Freestanding i386 Linux
 * program (no libc): build with
 *   gcc -m32 -O1 -static -nostdlib -ffreestanding -fno-pic -fno-stack-protector -o x87-oracle x87-oracle.c
 * Input record:  [0] operation (u32), [4] control word (u16), [8] A (80-bit), [18] B (80-bit).
 * Output record (160 bytes): [0] ST0, [10] ST1, [20] memory result (up to 10 bytes), [30] FSW,
 * [32] EFLAGS, [36] FNSTENV image (28 bytes, operation 80), [48] FNSAVE image (108 bytes, 81).
 * The operation numbers are listed in x87-operations.ts (keep both in sync).
 */
#define MAX_RECORDS 40000
static unsigned char input[MAX_RECORDS * 32];
static unsigned char output[MAX_RECORDS * 160];

static long sys3(long number, long a, long b, long c) {
  long result;
  __asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b), "d"(c) : "memory");
  return result;
}

#define SETUP "fninit\n\tfldcw 4(%1)\n\tfldt 18(%1)\n\tfldt 8(%1)\n\t"
#define FINISH "\n\tfnstsw 30(%0)\n\tfstpt (%0)\n\tfstpt 10(%0)\n\tfninit"
#define RUN(body) __asm__ volatile(SETUP body FINISH : : "r"(out), "r"(in) : "memory", "eax", "cc")
#define RUN_FLAGS(body) \
  __asm__ volatile(SETUP body "\n\tpushf\n\tpopl 32(%0)" FINISH : : "r"(out), "r"(in) : "memory", "eax", "cc")

static void run(const unsigned char *in, unsigned char *out) {
  switch (*(const unsigned *)in) {
  case 0: RUN(".byte 0xd8,0xc1"); break;        /* fadd st0, st1 */
  case 1: RUN(".byte 0xd8,0xe1"); break;        /* fsub st0, st1 */
  case 2: RUN(".byte 0xd8,0xe9"); break;        /* fsubr st0, st1 */
  case 3: RUN(".byte 0xd8,0xc9"); break;        /* fmul st0, st1 */
  case 4: RUN(".byte 0xd8,0xf1"); break;        /* fdiv st0, st1 */
  case 5: RUN(".byte 0xd8,0xf9"); break;        /* fdivr st0, st1 */
  case 6: RUN(".byte 0xd9,0xf8"); break;        /* fprem */
  case 7: RUN(".byte 0xd9,0xf5"); break;        /* fprem1 */
  case 8: RUN(".byte 0xd9,0xfd"); break;        /* fscale */
  case 9: RUN(".byte 0xd8,0xd1"); break;        /* fcom st1 */
  case 10: RUN(".byte 0xdd,0xe1"); break;       /* fucom st1 */
  case 11: RUN_FLAGS(".byte 0xdb,0xf1"); break; /* fcomi st0, st1 */
  case 12: RUN_FLAGS(".byte 0xdb,0xe9"); break; /* fucomi st0, st1 */
  case 13: RUN(".byte 0xd9,0xf1"); break;       /* fyl2x */
  case 14: RUN(".byte 0xd9,0xf9"); break;       /* fyl2xp1 */
  case 15: RUN(".byte 0xd9,0xf3"); break;       /* fpatan */
  case 16: RUN(".byte 0xde,0xc1"); break;       /* faddp st1, st0 */
  case 17: RUN(".byte 0xde,0xe9"); break;       /* fsubp st1, st0 (st1 = st1 - st0) */
  case 18: RUN(".byte 0xde,0xe1"); break;       /* fsubrp st1, st0 (st1 = st0 - st1) */
  case 19: RUN(".byte 0xde,0xf9"); break;       /* fdivp st1, st0 (st1 = st1 / st0) */
  case 20: RUN(".byte 0xde,0xf1"); break;       /* fdivrp st1, st0 (st1 = st0 / st1) */
  case 21: RUN(".byte 0xd9,0xfa"); break;       /* fsqrt */
  case 22: RUN(".byte 0xd9,0xfc"); break;       /* frndint */
  case 23: RUN(".byte 0xd9,0xf4"); break;       /* fxtract */
  case 24: RUN(".byte 0xd9,0xe5"); break;       /* fxam */
  case 25: RUN(".byte 0xd9,0xe4"); break;       /* ftst */
  case 26: RUN(".byte 0xd9,0xf0"); break;       /* f2xm1 */
  case 27: RUN(".byte 0xd9,0xfe"); break;       /* fsin */
  case 28: RUN(".byte 0xd9,0xff"); break;       /* fcos */
  case 29: RUN(".byte 0xd9,0xf2"); break;       /* fptan */
  case 30: RUN(".byte 0xd9,0xfb"); break;       /* fsincos */
  case 31: RUN(".byte 0xd9,0xe0"); break;       /* fchs */
  case 32: RUN(".byte 0xd9,0xe1"); break;       /* fabs */
  case 33: RUN(".byte 0xd9,0xc9"); break;       /* fxch st1 */
  case 40: RUN("fsts 20(%0)"); break;
  case 41: RUN("fstl 20(%0)"); break;
  case 42: RUN("fists 20(%0)"); break;
  case 43: RUN("fistl 20(%0)"); break;
  case 44: RUN("fistpll 20(%0)\n\tfldz"); break;
  case 45: RUN("fbstp 20(%0)\n\tfldz"); break;
  case 50: RUN("flds 18(%1)"); break;
  case 51: RUN("fldl 18(%1)"); break;
  case 52: RUN("fbld 18(%1)"); break;
  case 53: RUN("filds 18(%1)"); break;
  case 54: RUN("fildl 18(%1)"); break;
  case 55: RUN("fildll 18(%1)"); break;
  case 56: RUN("fadds 18(%1)"); break;
  case 57: RUN("faddl 18(%1)"); break;
  case 58: RUN("fmuls 18(%1)"); break;
  case 59: RUN("fdivl 18(%1)"); break;
  case 60: RUN("fsubrl 18(%1)"); break;
  case 61: RUN("fiaddl 18(%1)"); break;
  case 62: RUN("fidivs 18(%1)"); break;
  case 63: RUN("fcoms 18(%1)"); break;
  case 64: RUN("ficoml 18(%1)"); break;
  case 70: RUN(".byte 0xd9,0xe8"); break;       /* fld1 */
  case 71: RUN(".byte 0xd9,0xe9"); break;       /* fldl2t */
  case 72: RUN(".byte 0xd9,0xea"); break;       /* fldl2e */
  case 73: RUN(".byte 0xd9,0xeb"); break;       /* fldpi */
  case 74: RUN(".byte 0xd9,0xec"); break;       /* fldlg2 */
  case 75: RUN(".byte 0xd9,0xed"); break;       /* fldln2 */
  case 76: RUN(".byte 0xd9,0xee"); break;       /* fldz */
  case 80: RUN("fnstenv 36(%0)\n\tfldenv 36(%0)"); break;
  case 81: RUN("fnsave 48(%0)\n\tfrstor 48(%0)"); break;
  case 82: RUN(".byte 0xde,0xd9\n\tfldz\n\tfldz"); break;   /* fcompp */
  case 83: RUN(".byte 0xda,0xe9\n\tfldz\n\tfldz"); break;   /* fucompp */
  case 84: RUN(".byte 0xd9,0xc1"); break;                        /* fld st(1) */
  case 85: RUN(".byte 0xdd,0xd1"); break;                        /* fst st(1) */
  case 86: RUN(".byte 0xdb,0xf1\n\t.byte 0xda,0xc1"); break;  /* fcomi; fcmovb st, st(1) */
  case 87: RUN(".byte 0xdb,0xf1\n\t.byte 0xdb,0xd1"); break;  /* fcomi; fcmovnbe st, st(1) */
  case 88: RUN(".byte 0xd9,0xf7\n\t.byte 0xd9,0xf6"); break;  /* fincstp; fdecstp */
  case 89: RUN("fistl 20(%0)\n\t.byte 0xd9,0xe5"); break;     /* fist m32; fxam */
  case 90: RUN("fnstcw 20(%0)"); break;                          /* control word as loaded */
  default: break;
  }
}

void _start(void) {
  long total = 0;
  for (;;) {
    long got = sys3(3, 0, (long)(input + total), (long)sizeof(input) - total);
    if (got <= 0) break;
    total += got;
  }
  long count = total / 32;
  for (long index = 0; index < count; index++) run(input + index * 32, output + index * 160);
  long written = 0;
  while (written < count * 160) {
    long put = sys3(4, 1, (long)(output + written), count * 160 - written);
    if (put <= 0) break;
    written += put;
  }
  sys3(1, 0, 0, 0);
  for (;;) {
  }
}
