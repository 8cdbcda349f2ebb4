"""RISC-V guest programs in: ELF loading, decoding, interpretation and translation to native code."""
