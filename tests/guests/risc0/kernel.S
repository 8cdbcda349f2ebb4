# A stand-in for the kernel ELF of an R0BF container: zkaot never runs a container's kernel
# (runtime/risc0.py does its work), so this one only has to be an rv32 ELF.  Written here.
    .section .text, "ax"
    .globl _start
_start:
    unimp
