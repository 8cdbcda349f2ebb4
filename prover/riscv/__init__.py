"""The RISC-V tables: AIRs that prove a zkaot full trace (docs/riscv-air.md)."""
