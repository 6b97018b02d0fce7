/** Snapshot of the ACPI PM1 register block and PM timer, version 1. */
export interface AcpiPowerManagementState {
  version: 1;
  /** PM1_STS (write-1-to-clear). */
  status: number;
  /** PM1_EN. */
  enable: number;
  /** PM1_CNT (SLP_EN reads 0). */
  control: number;
  /** Virtual time (ns) up to which the timer carry (TMR_STS) has been computed. */
  lastTimerCheckNs: number;
  /** Sleep requests (SLP_EN writes). */
  sleepRequests: number;
  /** Accesses at offsets the block does not decode. */
  invalidAccesses: number;
}
