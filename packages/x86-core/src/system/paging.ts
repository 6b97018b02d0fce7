/**
 * Two-level i386 paging (Intel SDM vol. 3A, 4.3 "32-bit paging") and the software TLB.
 *
 * - 4 KiB pages through a page directory and page tables; 4 MiB pages when CR4.PSE=1 and
 *   PDE.PS=1. Global pages (PTE/PDE.G with CR4.PGE) survive CR3 writes.
 * - Permissions: user accesses need U/S=1 in both levels and, for writes, R/W=1 in both;
 *   supervisor writes need R/W=1 in both only when CR0.WP=1.
 * - Accessed bits are set as the walk uses an entry; the dirty bit on the first write through a
 *   translation. The TLB grants write permission only for dirty pages, so the first write after
 *   a read fill walks again and sets D.
 * - #PF error code: bit 0 P (protection violation, not "not present"), bit 1 W/R, bit 2 U/S,
 *   bit 3 RSVD. CR2 receives the linear address (done by exception delivery from the fault).
 *
 * The TLB is two typed arrays indexed by linear page number (1 Mi entries): the physical frame
 * and a permission byte whose bits are the {@link Access} kinds, so the hit test is one AND.
 * A bounded list of filled pages makes flushes proportional to what was filled.
 *
 * NOT IMPLEMENTED: PAE, PSE-36 (bits 13-21 of a 4 MiB PDE are reserved and fault with RSVD),
 * PAT/PCD/PWT caching semantics (ignored), NX (no PAE).
 */

import { GuestFault } from './fault.js';
import type { PhysicalAccess } from './physical-access.js';

/**
 * Access kinds, as the core passes them: the W/R and U/S bits of the #PF error code (bit 1 =
 * write, bit 2 = user, i.e. a CPL 3 access that is not implicitly supervisor), plus bit 4 for
 * instruction fetches (treated as reads: no NX without PAE).
 */
export const Access = {
  Read: 0,
  Write: 2,
  User: 4,
  Execute: 16,
} as const;

/** The access kind for a read or write at user or supervisor privilege. */
export function accessKind(write: boolean, user: boolean): number {
  return (write ? Access.Write : 0) | (user ? Access.User : 0);
}

/**
 * TLB permission bits: an access `a` is allowed by a cached entry when
 * `tlbFlags[page] & (1 << ((a & 6) >>> 1))` is non-zero.
 */
export const TlbPermission = {
  SupervisorRead: 1,
  SupervisorWrite: 2,
  UserRead: 4,
  UserWrite: 8,
} as const;

/** The TLB permission bit that allows access kind `access`. */
export function permissionBit(access: number): number {
  return 1 << ((access & 6) >>> 1);
}

/** TLB flag: the translation came from a global page (kept on CR3 writes). */
const TLB_GLOBAL = 16;

/** Page-table entry bits. */
export const PageEntry = {
  Present: 1 << 0,
  Writable: 1 << 1,
  User: 1 << 2,
  WriteThrough: 1 << 3,
  CacheDisable: 1 << 4,
  Accessed: 1 << 5,
  Dirty: 1 << 6,
  /** PDE: 4 MiB page (with CR4.PSE). PTE: PAT index (ignored). */
  PageSize: 1 << 7,
  Global: 1 << 8,
} as const;

/** #PF error-code bits. */
export const PageFaultError = {
  /** 1: protection violation; 0: the page was not present. */
  Protection: 1,
  /** The access was a write. */
  Write: 2,
  /** The access was made at CPL 3 (user). */
  User: 4,
  /** A reserved bit was set in a paging entry. */
  ReservedBit: 8,
} as const;

/** CR0 bits used by paging. */
const CR0_WP = 1 << 16;
const CR0_PG = 1 << 31;
/** CR4 bits used by paging. */
const CR4_PSE = 1 << 4;
const CR4_PAE = 1 << 5;
const CR4_PGE = 1 << 7;

/** Reserved bits of a 4 MiB PDE without PSE-36 (bits 13-21). */
const LARGE_PAGE_RESERVED = 0x003fe000;

/** How many filled pages the flush list remembers before a fill forces a full flush. */
const DEFAULT_FILL_CAPACITY = 1 << 16;

/** Counters for tests and the benchmark profile. */
export interface TlbStatistics {
  /** Page walks (TLB misses that reached the tables). */
  walks: number;
  /** Page faults raised by walks. */
  faults: number;
  /** Full flushes (CR0/CR4 changes, overflow, explicit). */
  fullFlushes: number;
}

/**
 * The MMU: paging state (copies of the CR0/CR3/CR4 bits it needs), the page walker and the
 * software TLB. `translate` is the hot path the core calls on every memory access.
 */
export class Mmu {
  /** Physical frame base (address & ~0xfff) of each cached linear page. */
  readonly tlbPhysical = new Int32Array(1 << 20);
  /** Permission bits ({@link Access}) plus the global flag of each cached linear page; 0 = empty. */
  readonly tlbFlags = new Uint8Array(1 << 20);
  /** Counters. */
  readonly statistics: TlbStatistics = { walks: 0, faults: 0, fullFlushes: 0 };

  private readonly memory: PhysicalAccess;
  private readonly filledPages: Int32Array;
  private filledCount = 0;
  private pagingEnabled = false;
  private writeProtect = false;
  private largePages = false;
  private globalPages = false;
  private pageDirectoryBase = 0;
  private cr0 = 0;
  private cr4 = 0;

  constructor(memory: PhysicalAccess, fillCapacity = DEFAULT_FILL_CAPACITY) {
    this.memory = memory;
    this.filledPages = new Int32Array(Math.max(16, fillCapacity));
  }

  /** True when CR0.PG=1 (linear addresses go through the tables). */
  get paging(): boolean {
    return this.pagingEnabled;
  }

  /**
   * Informs the MMU of a CR0 value. A change of PG, WP or PE flushes the whole TLB (SDM 4.10.4.1
   * lists PG and WP; PE is included because it is cheap and always accompanies mode changes).
   */
  writeCr0(value: number): void {
    const changed = (this.cr0 ^ value) & (CR0_PG | CR0_WP | 1);
    this.cr0 = value;
    this.pagingEnabled = (value & CR0_PG) !== 0;
    this.writeProtect = (value & CR0_WP) !== 0;
    if (changed !== 0) this.flushAll();
  }

  /**
   * Refreshes the paging controls from the CPU's CR0/CR3/CR4 without flushing (the slow path
   * calls it before each walk, so values the core set directly, e.g. at reset, are honoured).
   */
  syncControl(cr0: number, cr3: number, cr4: number): void {
    this.cr0 = cr0;
    this.cr4 = cr4;
    this.pagingEnabled = (cr0 & CR0_PG) !== 0;
    this.writeProtect = (cr0 & CR0_WP) !== 0;
    this.largePages = (cr4 & CR4_PSE) !== 0;
    this.globalPages = (cr4 & CR4_PGE) !== 0;
    this.pageDirectoryBase = (cr3 & 0xfffff000) >>> 0;
  }

  /**
   * Walks the tables after a TLB miss (sets A/D bits, fills the TLB) or throws #PF. Callers
   * that test the TLB themselves use this for the miss path.
   */
  translateMiss(linear: number, access: number): number {
    return this.walk(linear, access);
  }

  /** Informs the MMU of a CR3 write: new page directory, flush of all non-global entries. */
  writeCr3(value: number): void {
    this.pageDirectoryBase = (value & 0xfffff000) >>> 0;
    this.flushNonGlobal();
  }

  /** Informs the MMU of a CR4 value; a change of PSE, PGE or PAE flushes the whole TLB. */
  writeCr4(value: number): void {
    const changed = (this.cr4 ^ value) & (CR4_PSE | CR4_PGE | CR4_PAE);
    this.cr4 = value;
    this.largePages = (value & CR4_PSE) !== 0;
    this.globalPages = (value & CR4_PGE) !== 0;
    if (changed !== 0) this.flushAll();
  }

  /**
   * Translates a linear address for an access of kind `access` (one of {@link Access}).
   * Returns the unsigned physical address or throws a #PF {@link GuestFault} whose
   * `faultAddress` is the linear address (for CR2). No allocation on a TLB hit.
   */
  translate(linear: number, access: number): number {
    if (!this.pagingEnabled) return linear >>> 0;
    const page = linear >>> 12;
    if ((this.tlbFlags[page] & (1 << ((access & 6) >>> 1))) !== 0)
      return (this.tlbPhysical[page] | (linear & 0xfff)) >>> 0;
    return this.walk(linear, access);
  }

  /**
   * Translates without faulting, without setting accessed/dirty bits and without filling the
   * TLB (debuggers, monitors). Returns -1 when the access would fault.
   */
  probe(linear: number, access: number): number {
    if (!this.pagingEnabled) return linear >>> 0;
    const result = this.walkTables(linear, access, false);
    return result < 0 ? -1 : result;
  }

  /** Invalidates the translation of the page holding `linear`, global or not (INVLPG). */
  invalidatePage(linear: number): void {
    this.tlbFlags[linear >>> 12] = 0;
  }

  /** Drops every cached translation. */
  flushAll(): void {
    const flags = this.tlbFlags;
    const pages = this.filledPages;
    for (let index = 0; index < this.filledCount; index++) flags[pages[index]] = 0;
    this.filledCount = 0;
    this.statistics.fullFlushes++;
  }

  /** Drops every cached translation except global pages (CR3 write). */
  flushNonGlobal(): void {
    const flags = this.tlbFlags;
    const pages = this.filledPages;
    let kept = 0;
    for (let index = 0; index < this.filledCount; index++) {
      const page = pages[index];
      if ((flags[page] & TLB_GLOBAL) !== 0) pages[kept++] = page;
      else flags[page] = 0;
    }
    this.filledCount = kept;
  }

  /** Number of pages currently listed as filled (for tests). */
  get filledPageCount(): number {
    return this.filledCount;
  }

  private walk(linear: number, access: number): number {
    this.statistics.walks++;
    const result = this.walkTables(linear, access, true);
    if (result < 0) {
      this.statistics.faults++;
      throw new GuestFault(14, -result - 1, linear >>> 0);
    }
    return result;
  }

  /**
   * Walks the tables. Returns the physical address, or `-(errorCode + 1)` on a fault. With
   * `commit`, sets accessed/dirty bits and fills the TLB.
   */
  private walkTables(linear: number, access: number, commit: boolean): number {
    const memory = this.memory;
    const write = (access & Access.Write) !== 0;
    const user = (access & Access.User) !== 0;
    const accessBits = access & 6;
    const directoryEntryAddress = (this.pageDirectoryBase + ((linear >>> 22) << 2)) >>> 0;
    let directoryEntry = memory.read32(directoryEntryAddress);
    if ((directoryEntry & PageEntry.Present) === 0) return -(accessBits + 1);

    let frame: number;
    let writable: boolean;
    let userAllowed: boolean;
    let global: boolean;
    let dirty: boolean;

    if ((directoryEntry & PageEntry.PageSize) !== 0 && this.largePages) {
      if ((directoryEntry & LARGE_PAGE_RESERVED) !== 0) {
        return -((accessBits | PageFaultError.Protection | PageFaultError.ReservedBit) + 1);
      }
      writable = (directoryEntry & PageEntry.Writable) !== 0;
      userAllowed = (directoryEntry & PageEntry.User) !== 0;
      if (!this.permitted(write, user, writable, userAllowed)) {
        return -((accessBits | PageFaultError.Protection) + 1);
      }
      if (commit) {
        const updated = directoryEntry | PageEntry.Accessed | (write ? PageEntry.Dirty : 0);
        if (updated !== directoryEntry) {
          memory.write32(directoryEntryAddress, updated);
          directoryEntry = updated;
        }
      }
      frame = ((directoryEntry & 0xffc00000) | (linear & 0x003ff000)) >>> 0;
      global = (directoryEntry & PageEntry.Global) !== 0 && this.globalPages;
      dirty = (directoryEntry & PageEntry.Dirty) !== 0;
    } else {
      if (commit && (directoryEntry & PageEntry.Accessed) === 0) {
        directoryEntry |= PageEntry.Accessed;
        memory.write32(directoryEntryAddress, directoryEntry);
      }
      const tableEntryAddress = ((directoryEntry & 0xfffff000) + (((linear >>> 12) & 0x3ff) << 2)) >>> 0;
      let tableEntry = memory.read32(tableEntryAddress);
      if ((tableEntry & PageEntry.Present) === 0) return -(accessBits + 1);
      writable = (directoryEntry & tableEntry & PageEntry.Writable) !== 0;
      userAllowed = (directoryEntry & tableEntry & PageEntry.User) !== 0;
      if (!this.permitted(write, user, writable, userAllowed)) {
        return -((accessBits | PageFaultError.Protection) + 1);
      }
      if (commit) {
        const updated = tableEntry | PageEntry.Accessed | (write ? PageEntry.Dirty : 0);
        if (updated !== tableEntry) {
          memory.write32(tableEntryAddress, updated);
          tableEntry = updated;
        }
      }
      frame = (tableEntry & 0xfffff000) >>> 0;
      global = (tableEntry & PageEntry.Global) !== 0 && this.globalPages;
      dirty = (tableEntry & PageEntry.Dirty) !== 0;
    }

    if (commit) {
      let flags: number = TlbPermission.SupervisorRead;
      if (userAllowed) flags |= TlbPermission.UserRead;
      if (dirty) {
        if (writable || !this.writeProtect) flags |= TlbPermission.SupervisorWrite;
        if (writable && userAllowed) flags |= TlbPermission.UserWrite;
      }
      if (global) flags |= TLB_GLOBAL;
      this.fill(linear >>> 12, frame, flags);
    }
    return (frame | (linear & 0xfff)) >>> 0;
  }

  private permitted(write: boolean, user: boolean, writable: boolean, userAllowed: boolean): boolean {
    if (user) return userAllowed && (!write || writable);
    return !write || writable || !this.writeProtect;
  }

  private fill(page: number, frame: number, flags: number): void {
    if (this.tlbFlags[page] === 0) {
      if (this.filledCount === this.filledPages.length) this.flushAll();
      this.filledPages[this.filledCount++] = page;
    }
    this.tlbPhysical[page] = frame | 0;
    this.tlbFlags[page] = flags;
  }
}
