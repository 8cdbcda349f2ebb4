"""The one table of instruction encodings and facts, in the spirit of QEMU's decodetree
and ZisK's zisk_ops.rs.

Every other view of the instruction set is derived from TABLE: the decoder
(translator/decoder.py), the disassembler (translator/disasm.py), the test
assembler (translator/assembler.py), the opcode numbers the traces use, and what
the interpreter, the lifter, the trace writers and the prover need to know about
an op (its class, access size, signedness, the table that proves it): they read
these columns, never the mnemonic.

A row is `id  name  format  xlen  class  table  size  sign  fn  pattern`; the rows of
VENDOR_TABLE_TEXT have an `ext` column first: the vendor extension (a profile's set,
runtime/calls.py Registry.extensions) without which the decoder treats them as illegal.
  id       the op id that traces, program IDs and proofs carry: fixed, never the
           row's position (rows may be inserted anywhere; ids stay 0..n-1)
  format   the operand layout (FORMATS); it also says whether the second operand is
           rs2 or the immediate
  xlen     32, 64 or * for both
  class    alu arith branch jal jalr load store lr sc amo fence ecall ebreak, and the
           classes only some profiles decode (PROFILE_CLASSES: csr; float, the F/D
           instructions, and floatret, the soft-float library's return, docs/float.md)
  table    the derived trace table (runtime/trace.py) and prover table that proves
           the step beyond Main: alu arith branch memory, or main for none
  size     bytes accessed by memory classes, else -
  sign     s or u: whether the value read into rd is sign- or zero-extended (loads,
           lr, amo), else -
  fn       the operation computed: for alu and arith ops the register-register op
           (addi: add, addiw: addw, add: add), for AMOs how the old value and rs2
           combine (AMO_FNS), for CSR accesses what they do to the CSR (CSR_FNS), for
           F/D the register file of rd (FLOAT_FNS: x, an integer register, or f);
           - where the name alone says it (lui, auipc, branches)
  pattern  bits 31..0 (spaces are ignored): 0 and 1 are fixed bits, '.' bits belong
           to the format's operands
The decoder tries rows in table order.  A word that matches no row of its xlen is
illegal; so is a vendor row whose extension, or a row of a class in PROFILE_CLASSES,
the caller's `extensions` do not name (decodable): the zkaot profile names none, so its
decoding, traces and program IDs are as before.

The C extension's 16-bit instructions are rows too, in runtime/compressed.py: each names the
row here it expands to and where its operands come from, so a compressed instruction is one
of these ops (its id, semantics and tables) with length 2, for a profile that takes C.
"""
from dataclasses import dataclass, replace

import numpy as np

TABLE_TEXT = """
# id name       format xlen class  table   size sign fn    pattern (bits 31..0)
# ---- RV32I / RV64I --------------------------------------------------------
0    lui        U      *    alu    alu     -    -    -     .................... ..... 0110111
1    auipc      U      *    alu    alu     -    -    -     .................... ..... 0010111
2    jal        J      *    jal    branch  -    -    -     .................... ..... 1101111
3    jalr       JALR   *    jalr   branch  -    -    -     ............ ..... 000 ..... 1100111
4    beq        B      *    branch branch  -    -    -     ....... ..... ..... 000 ..... 1100011
5    bne        B      *    branch branch  -    -    -     ....... ..... ..... 001 ..... 1100011
6    blt        B      *    branch branch  -    -    -     ....... ..... ..... 100 ..... 1100011
7    bge        B      *    branch branch  -    -    -     ....... ..... ..... 101 ..... 1100011
8    bltu       B      *    branch branch  -    -    -     ....... ..... ..... 110 ..... 1100011
9    bgeu       B      *    branch branch  -    -    -     ....... ..... ..... 111 ..... 1100011
10   lb         LOAD   *    load   memory  1    s    -     ............ ..... 000 ..... 0000011
11   lh         LOAD   *    load   memory  2    s    -     ............ ..... 001 ..... 0000011
12   lw         LOAD   *    load   memory  4    s    -     ............ ..... 010 ..... 0000011
13   ld         LOAD   64   load   memory  8    s    -     ............ ..... 011 ..... 0000011
14   lbu        LOAD   *    load   memory  1    u    -     ............ ..... 100 ..... 0000011
15   lhu        LOAD   *    load   memory  2    u    -     ............ ..... 101 ..... 0000011
16   lwu        LOAD   64   load   memory  4    u    -     ............ ..... 110 ..... 0000011
17   sb         S      *    store  memory  1    -    -     ....... ..... ..... 000 ..... 0100011
18   sh         S      *    store  memory  2    -    -     ....... ..... ..... 001 ..... 0100011
19   sw         S      *    store  memory  4    -    -     ....... ..... ..... 010 ..... 0100011
20   sd         S      64   store  memory  8    -    -     ....... ..... ..... 011 ..... 0100011
21   addi       I      *    alu    alu     -    -    add   ............ ..... 000 ..... 0010011
22   slti       I      *    alu    alu     -    -    slt   ............ ..... 010 ..... 0010011
23   sltiu      I      *    alu    alu     -    -    sltu  ............ ..... 011 ..... 0010011
24   xori       I      *    alu    alu     -    -    xor   ............ ..... 100 ..... 0010011
25   ori        I      *    alu    alu     -    -    or    ............ ..... 110 ..... 0010011
26   andi       I      *    alu    alu     -    -    and   ............ ..... 111 ..... 0010011
27   slli       SHIFT  64   alu    alu     -    -    sll   000000 ...... ..... 001 ..... 0010011
28   srli       SHIFT  64   alu    alu     -    -    srl   000000 ...... ..... 101 ..... 0010011
29   srai       SHIFT  64   alu    alu     -    -    sra   010000 ...... ..... 101 ..... 0010011
30   slli       SHIFT  32   alu    alu     -    -    sll   0000000 ..... ..... 001 ..... 0010011
31   srli       SHIFT  32   alu    alu     -    -    srl   0000000 ..... ..... 101 ..... 0010011
32   srai       SHIFT  32   alu    alu     -    -    sra   0100000 ..... ..... 101 ..... 0010011
33   add        R      *    alu    alu     -    -    add   0000000 ..... ..... 000 ..... 0110011
34   sub        R      *    alu    alu     -    -    sub   0100000 ..... ..... 000 ..... 0110011
35   sll        R      *    alu    alu     -    -    sll   0000000 ..... ..... 001 ..... 0110011
36   slt        R      *    alu    alu     -    -    slt   0000000 ..... ..... 010 ..... 0110011
37   sltu       R      *    alu    alu     -    -    sltu  0000000 ..... ..... 011 ..... 0110011
38   xor        R      *    alu    alu     -    -    xor   0000000 ..... ..... 100 ..... 0110011
39   srl        R      *    alu    alu     -    -    srl   0000000 ..... ..... 101 ..... 0110011
40   sra        R      *    alu    alu     -    -    sra   0100000 ..... ..... 101 ..... 0110011
41   or         R      *    alu    alu     -    -    or    0000000 ..... ..... 110 ..... 0110011
42   and        R      *    alu    alu     -    -    and   0000000 ..... ..... 111 ..... 0110011
43   fence      FENCE  *    fence  main    -    -    -     ............ ..... 000 ..... 0001111
44   ecall      NONE   *    ecall  main    -    -    -     000000000000 00000 000 00000 1110011
45   ebreak     NONE   *    ebreak main    -    -    -     000000000001 00000 000 00000 1110011
# ---- RV64I word operations ------------------------------------------------
46   addiw      I      64   alu    alu     -    -    addw  ............ ..... 000 ..... 0011011
47   slliw      SHIFT  64   alu    alu     -    -    sllw  0000000 ..... ..... 001 ..... 0011011
48   srliw      SHIFT  64   alu    alu     -    -    srlw  0000000 ..... ..... 101 ..... 0011011
49   sraiw      SHIFT  64   alu    alu     -    -    sraw  0100000 ..... ..... 101 ..... 0011011
50   addw       R      64   alu    alu     -    -    addw  0000000 ..... ..... 000 ..... 0111011
51   subw       R      64   alu    alu     -    -    subw  0100000 ..... ..... 000 ..... 0111011
52   sllw       R      64   alu    alu     -    -    sllw  0000000 ..... ..... 001 ..... 0111011
53   srlw       R      64   alu    alu     -    -    srlw  0000000 ..... ..... 101 ..... 0111011
54   sraw       R      64   alu    alu     -    -    sraw  0100000 ..... ..... 101 ..... 0111011
# ---- M ----------------------------------------------------------------------
55   mul        R      *    arith  arith   -    -    mul   0000001 ..... ..... 000 ..... 0110011
56   mulh       R      *    arith  arith   -    -    mulh  0000001 ..... ..... 001 ..... 0110011
57   mulhsu     R      *    arith  arith   -    -    mulhsu 0000001 ..... ..... 010 ..... 0110011
58   mulhu      R      *    arith  arith   -    -    mulhu 0000001 ..... ..... 011 ..... 0110011
59   div        R      *    arith  arith   -    -    div   0000001 ..... ..... 100 ..... 0110011
60   divu       R      *    arith  arith   -    -    divu  0000001 ..... ..... 101 ..... 0110011
61   rem        R      *    arith  arith   -    -    rem   0000001 ..... ..... 110 ..... 0110011
62   remu       R      *    arith  arith   -    -    remu  0000001 ..... ..... 111 ..... 0110011
63   mulw       R      64   arith  arith   -    -    mulw  0000001 ..... ..... 000 ..... 0111011
64   divw       R      64   arith  arith   -    -    divw  0000001 ..... ..... 100 ..... 0111011
65   divuw      R      64   arith  arith   -    -    divuw 0000001 ..... ..... 101 ..... 0111011
66   remw       R      64   arith  arith   -    -    remw  0000001 ..... ..... 110 ..... 0111011
67   remuw      R      64   arith  arith   -    -    remuw 0000001 ..... ..... 111 ..... 0111011
# ---- A (single hart) ------------------------------------------------------
68   lr.w       LR     *    lr     memory  4    s    -     00010 .. 00000 ..... 010 ..... 0101111
69   sc.w       AMO    *    sc     memory  4    -    -     00011 .. ..... ..... 010 ..... 0101111
70   amoswap.w  AMO    *    amo    memory  4    s    swap  00001 .. ..... ..... 010 ..... 0101111
71   amoadd.w   AMO    *    amo    memory  4    s    add   00000 .. ..... ..... 010 ..... 0101111
72   amoxor.w   AMO    *    amo    memory  4    s    xor   00100 .. ..... ..... 010 ..... 0101111
73   amoand.w   AMO    *    amo    memory  4    s    and   01100 .. ..... ..... 010 ..... 0101111
74   amoor.w    AMO    *    amo    memory  4    s    or    01000 .. ..... ..... 010 ..... 0101111
75   amomin.w   AMO    *    amo    memory  4    s    min   10000 .. ..... ..... 010 ..... 0101111
76   amomax.w   AMO    *    amo    memory  4    s    max   10100 .. ..... ..... 010 ..... 0101111
77   amominu.w  AMO    *    amo    memory  4    s    minu  11000 .. ..... ..... 010 ..... 0101111
78   amomaxu.w  AMO    *    amo    memory  4    s    maxu  11100 .. ..... ..... 010 ..... 0101111
79   lr.d       LR     64   lr     memory  8    s    -     00010 .. 00000 ..... 011 ..... 0101111
80   sc.d       AMO    64   sc     memory  8    -    -     00011 .. ..... ..... 011 ..... 0101111
81   amoswap.d  AMO    64   amo    memory  8    s    swap  00001 .. ..... ..... 011 ..... 0101111
82   amoadd.d   AMO    64   amo    memory  8    s    add   00000 .. ..... ..... 011 ..... 0101111
83   amoxor.d   AMO    64   amo    memory  8    s    xor   00100 .. ..... ..... 011 ..... 0101111
84   amoand.d   AMO    64   amo    memory  8    s    and   01100 .. ..... ..... 011 ..... 0101111
85   amoor.d    AMO    64   amo    memory  8    s    or    01000 .. ..... ..... 011 ..... 0101111
86   amomin.d   AMO    64   amo    memory  8    s    min   10000 .. ..... ..... 011 ..... 0101111
87   amomax.d   AMO    64   amo    memory  8    s    max   10100 .. ..... ..... 011 ..... 0101111
88   amominu.d  AMO    64   amo    memory  8    s    minu  11000 .. ..... ..... 011 ..... 0101111
89   amomaxu.d  AMO    64   amo    memory  8    s    maxu  11100 .. ..... ..... 011 ..... 0101111
# ---- Zicsr (profiles whose calls a CSR number selects: runtime/calls.py Csr) ----
90   csrrw      CSR    *    csr    main    -    -    rw    ............ ..... 001 ..... 1110011
91   csrrs      CSR    *    csr    main    -    -    rs    ............ ..... 010 ..... 1110011
92   csrrc      CSR    *    csr    main    -    -    rc    ............ ..... 011 ..... 1110011
93   csrrwi     CSRI   *    csr    main    -    -    rw    ............ ..... 101 ..... 1110011
94   csrrsi     CSRI   *    csr    main    -    -    rs    ............ ..... 110 ..... 1110011
95   csrrci     CSRI   *    csr    main    -    -    rc    ............ ..... 111 ..... 1110011
# ---- F and D, RV64 (profiles that lower them to the soft-float library, docs/float.md) ----
# fn: the register file rd names, x or f; rm is not a field (the library reads the word)
107  flw        FLOAD  64   float  main    -    -    f     ............ ..... 010 ..... 0000111
108  fld        FLOAD  64   float  main    -    -    f     ............ ..... 011 ..... 0000111
109  fsw        FSTORE 64   float  main    -    -    f     ....... ..... ..... 010 ..... 0100111
110  fsd        FSTORE 64   float  main    -    -    f     ....... ..... ..... 011 ..... 0100111
111  fmadd.s    FR4    64   float  main    -    -    f     ..... 00 ..... ..... ... ..... 1000011
112  fmadd.d    FR4    64   float  main    -    -    f     ..... 01 ..... ..... ... ..... 1000011
113  fmsub.s    FR4    64   float  main    -    -    f     ..... 00 ..... ..... ... ..... 1000111
114  fmsub.d    FR4    64   float  main    -    -    f     ..... 01 ..... ..... ... ..... 1000111
115  fnmsub.s   FR4    64   float  main    -    -    f     ..... 00 ..... ..... ... ..... 1001011
116  fnmsub.d   FR4    64   float  main    -    -    f     ..... 01 ..... ..... ... ..... 1001011
117  fnmadd.s   FR4    64   float  main    -    -    f     ..... 00 ..... ..... ... ..... 1001111
118  fnmadd.d   FR4    64   float  main    -    -    f     ..... 01 ..... ..... ... ..... 1001111
119  fadd.s     FRM    64   float  main    -    -    f     0000000 ..... ..... ... ..... 1010011
120  fsub.s     FRM    64   float  main    -    -    f     0000100 ..... ..... ... ..... 1010011
121  fmul.s     FRM    64   float  main    -    -    f     0001000 ..... ..... ... ..... 1010011
122  fdiv.s     FRM    64   float  main    -    -    f     0001100 ..... ..... ... ..... 1010011
123  fsqrt.s    FR1M   64   float  main    -    -    f     0101100 00000 ..... ... ..... 1010011
124  fsgnj.s    FR     64   float  main    -    -    f     0010000 ..... ..... 000 ..... 1010011
125  fsgnjn.s   FR     64   float  main    -    -    f     0010000 ..... ..... 001 ..... 1010011
126  fsgnjx.s   FR     64   float  main    -    -    f     0010000 ..... ..... 010 ..... 1010011
127  fmin.s     FR     64   float  main    -    -    f     0010100 ..... ..... 000 ..... 1010011
128  fmax.s     FR     64   float  main    -    -    f     0010100 ..... ..... 001 ..... 1010011
129  fcvt.s.d   FR1M   64   float  main    -    -    f     0100000 00001 ..... ... ..... 1010011
130  feq.s      FCMP   64   float  main    -    -    x     1010000 ..... ..... 010 ..... 1010011
131  flt.s      FCMP   64   float  main    -    -    x     1010000 ..... ..... 001 ..... 1010011
132  fle.s      FCMP   64   float  main    -    -    x     1010000 ..... ..... 000 ..... 1010011
133  fcvt.w.s   FXFM   64   float  main    -    -    x     1100000 00000 ..... ... ..... 1010011
134  fcvt.wu.s  FXFM   64   float  main    -    -    x     1100000 00001 ..... ... ..... 1010011
135  fcvt.l.s   FXFM   64   float  main    -    -    x     1100000 00010 ..... ... ..... 1010011
136  fcvt.lu.s  FXFM   64   float  main    -    -    x     1100000 00011 ..... ... ..... 1010011
137  fcvt.s.w   FFXM   64   float  main    -    -    f     1101000 00000 ..... ... ..... 1010011
138  fcvt.s.wu  FFXM   64   float  main    -    -    f     1101000 00001 ..... ... ..... 1010011
139  fcvt.s.l   FFXM   64   float  main    -    -    f     1101000 00010 ..... ... ..... 1010011
140  fcvt.s.lu  FFXM   64   float  main    -    -    f     1101000 00011 ..... ... ..... 1010011
141  fmv.x.w    FXF    64   float  main    -    -    x     1110000 00000 ..... 000 ..... 1010011
142  fclass.s   FXF    64   float  main    -    -    x     1110000 00000 ..... 001 ..... 1010011
143  fmv.w.x    FFX    64   float  main    -    -    f     1111000 00000 ..... 000 ..... 1010011
144  fadd.d     FRM    64   float  main    -    -    f     0000001 ..... ..... ... ..... 1010011
145  fsub.d     FRM    64   float  main    -    -    f     0000101 ..... ..... ... ..... 1010011
146  fmul.d     FRM    64   float  main    -    -    f     0001001 ..... ..... ... ..... 1010011
147  fdiv.d     FRM    64   float  main    -    -    f     0001101 ..... ..... ... ..... 1010011
148  fsqrt.d    FR1M   64   float  main    -    -    f     0101101 00000 ..... ... ..... 1010011
149  fsgnj.d    FR     64   float  main    -    -    f     0010001 ..... ..... 000 ..... 1010011
150  fsgnjn.d   FR     64   float  main    -    -    f     0010001 ..... ..... 001 ..... 1010011
151  fsgnjx.d   FR     64   float  main    -    -    f     0010001 ..... ..... 010 ..... 1010011
152  fmin.d     FR     64   float  main    -    -    f     0010101 ..... ..... 000 ..... 1010011
153  fmax.d     FR     64   float  main    -    -    f     0010101 ..... ..... 001 ..... 1010011
154  fcvt.d.s   FR1M   64   float  main    -    -    f     0100001 00000 ..... ... ..... 1010011
155  feq.d      FCMP   64   float  main    -    -    x     1010001 ..... ..... 010 ..... 1010011
156  flt.d      FCMP   64   float  main    -    -    x     1010001 ..... ..... 001 ..... 1010011
157  fle.d      FCMP   64   float  main    -    -    x     1010001 ..... ..... 000 ..... 1010011
158  fcvt.w.d   FXFM   64   float  main    -    -    x     1100001 00000 ..... ... ..... 1010011
159  fcvt.wu.d  FXFM   64   float  main    -    -    x     1100001 00001 ..... ... ..... 1010011
160  fcvt.l.d   FXFM   64   float  main    -    -    x     1100001 00010 ..... ... ..... 1010011
161  fcvt.lu.d  FXFM   64   float  main    -    -    x     1100001 00011 ..... ... ..... 1010011
162  fcvt.d.w   FFXM   64   float  main    -    -    f     1101001 00000 ..... ... ..... 1010011
163  fcvt.d.wu  FFXM   64   float  main    -    -    f     1101001 00001 ..... ... ..... 1010011
164  fcvt.d.l   FFXM   64   float  main    -    -    f     1101001 00010 ..... ... ..... 1010011
165  fcvt.d.lu  FFXM   64   float  main    -    -    f     1101001 00011 ..... ... ..... 1010011
166  fmv.x.d    FXF    64   float  main    -    -    x     1110001 00000 ..... 000 ..... 1010011
167  fclass.d   FXF    64   float  main    -    -    x     1110001 00000 ..... 001 ..... 1010011
168  fmv.d.x    FFX    64   float  main    -    -    f     1111001 00000 ..... 000 ..... 1010011
# the library's own return to the guest: the last word of its trampoline (zkfp_entry.S)
169  zkfp.ret   NONE   64   floatret main  -    -    -     000000000000 00000 000 00000 0101011
"""

# ext id name       format xlen class  table size sign fn pattern (bits 31..0)
VENDOR_TABLE_TEXT = """
# ---- OpenVM custom-0 (openvm-org/openvm extensions/rv32im/guest, keccak256, sha256) ----
openvm 96  terminate   XI  32  custom main  -  -  -  ............ ..... 000 ..... 0001011
openvm 97  hint_storew X2  32  custom main  -  -  -  000000000000 ..... 001 ..... 0001011
openvm 98  hint_buffer X2  32  custom main  -  -  -  000000000001 ..... 001 ..... 0001011
openvm 99  reveal      XI  32  custom main  -  -  -  ............ ..... 010 ..... 0001011
openvm 100 hint_input  X2  32  custom main  -  -  -  000000000000 ..... 011 ..... 0001011
openvm 101 print_str   X2  32  custom main  -  -  -  000000000001 ..... 011 ..... 0001011
openvm 102 hint_random X2  32  custom main  -  -  -  000000000010 ..... 011 ..... 0001011
openvm 103 hint_load_by_key X2 32 custom main - - -  000000000011 ..... 011 ..... 0001011
openvm 104 keccak256   XR  32  custom main  -  -  -  0000000 ..... ..... 100 ..... 0001011
openvm 105 sha256      XR  32  custom main  -  -  -  0000001 ..... ..... 100 ..... 0001011
# csrrw x0, csr, x0: the OpenVM transpiler's one CSR instruction that is not a fault (a no-op)
openvm 106 csrrw.zero  XI  32  custom main  -  -  -  ............ 00000 001 00000 1110011
"""


ROUNDING_MODES = ("rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn")   # an F/D word's bits 14..12


def _bits(word: int, hi: int, lo: int) -> int:
    return (word >> lo) & ((1 << (hi - lo + 1)) - 1)


def _sext(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value ^ sign) - sign


@dataclass(frozen=True)
class Format:
    """How a format's operands sit in the word, and how assembly spells them.

    `fields` maps an operand name to (hi, lo) bit ranges of the word; for
    immediates, `imm_parts` lists (word_hi, word_lo, imm_lo) slices and
    `imm_bits` the width to sign-extend from (0: unsigned).  `operand` is the
    step's second operand (the trace's b, the ALU's right-hand side): "rs2",
    "imm" or "" (none).
    """
    name: str
    fields: tuple[tuple[str, int, int], ...]
    imm_parts: tuple[tuple[int, int, int], ...] = ()
    imm_bits: int = 0
    syntax: str = ""
    operand: str = ""

    def extract(self, word: int) -> dict[str, int]:
        ops = {name: _bits(word, hi, lo) for name, hi, lo in self.fields}
        if self.imm_parts:
            imm = 0
            for hi, lo, at in self.imm_parts:
                imm |= _bits(word, hi, lo) << at
            ops["imm"] = _sext(imm, self.imm_bits) if self.imm_bits else imm
        return ops

    def insert(self, ops: dict[str, int]) -> int:
        word = 0
        for name, hi, lo in self.fields:
            value = ops.get(name, 0)
            if not 0 <= value < 1 << (hi - lo + 1):
                raise ValueError(f"{name}={value} does not fit in {hi - lo + 1} bits")
            word |= value << lo
        if self.imm_parts:
            imm = ops.get("imm", 0)
            width = max(hi - lo + 1 + at for hi, lo, at in self.imm_parts)
            low = min(at for _, _, at in self.imm_parts)
            lo_limit, hi_limit = (-(1 << (width - 1)), 1 << (width - 1)) if self.imm_bits else (0, 1 << width)
            if not lo_limit <= imm < hi_limit or imm & ((1 << low) - 1):
                raise ValueError(f"immediate {imm} not encodable in format {self.name}")
            for hi, lo, at in self.imm_parts:
                word |= _bits(imm & ((1 << width) - 1), hi - lo + at, at) << lo
        return word


RD, RS1, RS2 = ("rd", 11, 7), ("rs1", 19, 15), ("rs2", 24, 20)
AQRL = ("aqrl", 26, 25)

FORMATS = {f.name: f for f in (
    Format("R", (RD, RS1, RS2), syntax="{rd}, {rs1}, {rs2}", operand="rs2"),
    Format("I", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {rs1}, {imm}", "imm"),
    Format("JALR", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {imm}({rs1})", "imm"),
    Format("LOAD", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {imm}({rs1})", "imm"),
    Format("SHIFT", (RD, RS1), ((25, 20, 0),), 0, "{rd}, {rs1}, {imm}", "imm"),
    Format("S", (RS1, RS2), ((31, 25, 5), (11, 7, 0)), 12, "{rs2}, {imm}({rs1})", "rs2"),
    Format("B", (RS1, RS2), ((31, 31, 12), (7, 7, 11), (30, 25, 5), (11, 8, 1)), 13, "{rs1}, {rs2}, {target}", "rs2"),
    Format("U", (RD,), ((31, 12, 12),), 32, "{rd}, {uimm}", "imm"),
    Format("J", (RD,), ((31, 31, 20), (19, 12, 12), (20, 20, 11), (30, 21, 1)), 21, "{rd}, {target}", "imm"),
    Format("AMO", (RD, RS1, RS2, AQRL), syntax="{rd}, {rs2}, ({rs1})", operand="rs2"),
    Format("LR", (RD, RS1, AQRL), syntax="{rd}, ({rs1})"),
    Format("FENCE", (("fm", 31, 28), ("pred", 27, 24), ("succ", 23, 20), RS1, RD), syntax="{pred}, {succ}"),
    Format("NONE", (), syntax=""),
    # vendor instructions (custom-0): I-type with an immediate, R-type, and I-type whose
    # immediate is fixed by the pattern
    Format("XI", (RD, RS1), ((31, 20, 0),), 12, "{rd}, {rs1}, {imm}", "imm"),
    Format("XR", (RD, RS1, RS2), syntax="{rd}, {rs1}, {rs2}", operand="rs2"),
    Format("X2", (RD, RS1), syntax="{rd}, {rs1}"),
    # the CSR number is the unsigned immediate; CSRI's rs1 field is the 5-bit zimm, not a register
    Format("CSR", (RD, RS1), ((31, 20, 0),), 0, "{rd}, {csr}, {rs1}", "imm"),
    Format("CSRI", (RD, RS1), ((31, 20, 0),), 0, "{rd}, {csr}, {zimm}", "imm"),
    # F and D: f-registers are spelled f0..f31 ({frd}...); {rm} is the rounding mode bits 14..12,
    # printed from the word (the engines hand the whole word to the library); FR4's rs3 is its imm
    Format("FLOAD", (RD, RS1), ((31, 20, 0),), 12, "{frd}, {imm}({rs1})"),
    Format("FSTORE", (RS1, RS2), ((31, 25, 5), (11, 7, 0)), 12, "{frs2}, {imm}({rs1})"),
    Format("FR", (RD, RS1, RS2), syntax="{frd}, {frs1}, {frs2}"),
    Format("FRM", (RD, RS1, RS2), syntax="{frd}, {frs1}, {frs2}, {rm}"),
    Format("FR1M", (RD, RS1), syntax="{frd}, {frs1}, {rm}"),
    Format("FR4", (RD, RS1, RS2), ((31, 27, 0),), 0, "{frd}, {frs1}, {frs2}, {frs3}, {rm}"),
    Format("FCMP", (RD, RS1, RS2), syntax="{rd}, {frs1}, {frs2}"),
    Format("FXF", (RD, RS1), syntax="{rd}, {frs1}"),
    Format("FXFM", (RD, RS1), syntax="{rd}, {frs1}, {rm}"),
    Format("FFX", (RD, RS1), syntax="{frd}, {rs1}"),
    Format("FFXM", (RD, RS1), syntax="{frd}, {rs1}, {rm}"),
)}
FLOAT_FORMATS = frozenset({"FLOAD", "FSTORE", "FR", "FRM", "FR1M", "FR4", "FCMP", "FXF", "FXFM", "FFX", "FFXM"})


CLASSES = ("alu", "arith", "branch", "jal", "jalr", "load", "store", "lr", "sc", "amo", "fence", "ecall", "ebreak",
           "custom", "csr", "float", "floatret")
# decoded only for a profile that takes them (its registry says so): CSR accesses, and F/D with
# the soft-float library's return (runtime/calls.py FLOAT_CLASSES)
PROFILE_CLASSES = frozenset({"csr", "float", "floatret"})
CSR_FNS = ("rw", "rs", "rc")               # what a CSR access does: write, set bits, clear bits
FLOAT_FNS = ("x", "f")                     # the register file an F/D instruction's rd names
TABLES = ("main", "alu", "arith", "branch", "memory")
AMO_FNS = ("swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu")
MEMORY_CLASSES = frozenset({"load", "store", "lr", "sc", "amo"})
_EXTENDS = frozenset({"load", "lr", "amo"})          # classes that read memory into rd: a sign column
# class -> (the formats its rows may have, the tables that may prove them)
_CLASS_RULES = {
    "alu": ({"R", "I", "SHIFT", "U"}, {"alu"}), "arith": ({"R"}, {"arith"}),
    "branch": ({"B"}, {"branch"}), "jal": ({"J"}, {"branch"}), "jalr": ({"JALR"}, {"branch"}),
    "load": ({"LOAD"}, {"memory"}), "store": ({"S"}, {"memory"}), "lr": ({"LR"}, {"memory"}),
    "sc": ({"AMO"}, {"memory"}), "amo": ({"AMO"}, {"memory"}),
    "fence": ({"FENCE"}, {"main"}), "ecall": ({"NONE"}, {"main"}), "ebreak": ({"NONE"}, {"main"}),
    "custom": ({"XI", "XR", "X2"}, {"main"}),       # a vendor's instruction: a call of its registry
    "csr": ({"CSR", "CSRI"}, {"main"}),
    "float": (FLOAT_FORMATS, {"main"}), "floatret": ({"NONE"}, {"main"}),
}


@dataclass(frozen=True)
class Opcode:
    """One row of the table: an instruction as the hardware tells it apart, and its facts
    (the columns described at the top; size 0, signed False and fn "" where the column is -)."""
    id: int
    name: str
    format: Format
    xlens: tuple[int, ...]
    cls: str
    table: str
    size: int
    signed: bool
    fn: str
    mask: int
    match: int
    ext: str = ""           # the vendor extension the row belongs to ("": the base ISA)

    def matches(self, word: int) -> bool:
        return word & self.mask == self.match

    @property
    def needs(self) -> frozenset[str]:
        """The extensions a profile names to decode this row (decodable): its vendor's, or its
        class if only some profiles decode it; none for the base ISA."""
        return frozenset({self.ext} if self.ext else {self.cls} & PROFILE_CLASSES)


def _parse_pattern(pattern: str) -> tuple[int, int, int]:
    """Returns (mask, match, number of operand bits)."""
    bits = pattern.replace(" ", "")
    if len(bits) != 32 or set(bits) - set("01."):
        raise ValueError(f"bad encoding pattern {pattern!r}")
    mask = int("".join("0" if b == "." else "1" for b in bits), 2)
    match = int("".join("1" if b == "1" else "0" for b in bits), 2)
    return mask, match, bits.count(".")


def _shift_width_fixup(fmt: Format, free_bits: int) -> Format:
    """SHIFT rows take their shamt width (5 or 6 bits) from the pattern's free bits."""
    shamt_bits = free_bits - 10
    return replace(fmt, imm_parts=((20 + shamt_bits - 1, 20, 0),))


def _parse_table(text: str) -> tuple[Opcode, ...]:
    """The table of base rows `text` and the vendor rows, checked as a whole."""
    return _check_table(_parse_rows(text) + _parse_rows(VENDOR_TABLE_TEXT, vendor=True))


def _parse_rows(text: str, vendor: bool = False) -> tuple[Opcode, ...]:
    rows = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        ext = ""
        if vendor:
            ext, line = line.split(None, 1)
        op_id, name, fmt_name, xlen, cls, table, size, sign, fn, pattern = line.split(None, 9)
        mask, match, free = _parse_pattern(pattern)
        fmt = FORMATS[fmt_name]
        if fmt_name == "SHIFT":
            fmt = _shift_width_fixup(fmt, free)
        xlens = (32, 64) if xlen == "*" else (int(xlen),)
        rows.append(Opcode(int(op_id), name, fmt, xlens, cls, table, 0 if size == "-" else int(size),
                           sign == "s", "" if fn == "-" else fn, mask, match, ext))
        _check_row(rows[-1], sign)
    return tuple(rows)


def _check_row(op: Opcode, sign: str) -> None:
    """The columns of one row agree with each other and with its format."""
    def bad(why: str):
        raise ValueError(f"encoding table row {op.id} {op.name}: {why}")
    if op.cls not in _CLASS_RULES:
        bad(f"unknown class {op.cls!r}")
    formats, tables = _CLASS_RULES[op.cls]
    if op.format.name not in formats:
        bad(f"class {op.cls} cannot have format {op.format.name}")
    if op.table not in tables:
        bad(f"class {op.cls} is not proven by table {op.table!r}")
    if op.size not in ((1, 2, 4, 8) if op.cls in MEMORY_CLASSES else (0,)):
        bad(f"size {op.size or '-'} for class {op.cls}")
    if sign not in (("s", "u") if op.cls in _EXTENDS else ("-",)):
        bad(f"sign {sign} for class {op.cls}")
    computes = op.cls in ("amo", "csr", "float") or op.cls in ("alu", "arith") and op.format.name != "U"
    if bool(op.fn) != computes:
        bad(f"fn {op.fn or '-'} for class {op.cls} format {op.format.name}")
    if op.cls == "amo" and op.fn not in AMO_FNS:
        bad(f"AMO operation {op.fn} is not one of {' '.join(AMO_FNS)}")
    if op.cls == "csr" and op.fn not in CSR_FNS:
        bad(f"CSR access {op.fn} is not one of {' '.join(CSR_FNS)}")
    if op.cls == "float" and op.fn not in FLOAT_FNS:
        bad(f"an F/D instruction's rd is in register file {' or '.join(FLOAT_FNS)}, not {op.fn}")
    if op.format.name == "R" and op.fn != op.name:
        bad(f"a register-register op computes itself, not {op.fn}")
    if bool(op.ext) != (op.cls == "custom"):
        bad(f"class {op.cls} in extension {op.ext or '(base)'}: vendor rows are the custom class, and only they")


def _check_table(rows: tuple[Opcode, ...]) -> tuple[Opcode, ...]:
    """Ids are 0..n-1 in some order (dense, so id-indexed arrays have no holes), a name names
    one row per xlen, and an immediate op computes a register op of its xlens."""
    ids = sorted(op.id for op in rows)
    if ids != list(range(len(rows))):
        raise ValueError(f"encoding table ids must be 0..{len(rows) - 1}, each once")
    seen = set()
    for op in rows:
        for x in op.xlens:
            if (op.name, x) in seen:
                raise ValueError(f"encoding table: two RV{x} rows named {op.name}")
            seen.add((op.name, x))
    register_ops = {(op.name, x) for op in rows if op.format.name == "R" for x in op.xlens}
    for op in rows:
        if op.cls in ("alu", "arith") and op.fn and any((op.fn, x) not in register_ops for x in op.xlens):
            raise ValueError(f"encoding table row {op.id} {op.name}: computes {op.fn}, no register op of its xlen")
    return rows


TABLE: tuple[Opcode, ...] = _parse_table(TABLE_TEXT)
BY_ID: tuple[Opcode, ...] = tuple(sorted(TABLE, key=lambda op: op.id))   # BY_ID[op id]
MNEMONICS = frozenset(op.name for op in TABLE)
EXTENSIONS = frozenset(op.ext for op in TABLE if op.ext)


def by_id(fact, dtype) -> np.ndarray:
    """A lookup array of fact(op) indexed by op id, for the consumers that index by a
    trace's or a decoded program's op column."""
    return np.array([fact(op) for op in BY_ID], dtype=dtype)


OP_CLASS = by_id(lambda op: CLASSES.index(op.cls), np.uint8)        # codes: CLASSES.index(name)
OP_TABLE = by_id(lambda op: TABLES.index(op.table), np.uint8)       # codes: TABLES.index(name)
OP_SIZE = by_id(lambda op: op.size, np.uint8)
OP_AMO = by_id(lambda op: AMO_FNS.index(op.fn) if op.cls == "amo" else -1, np.int8)
OP_LEGAL = {x: by_id(lambda op: x in op.xlens, bool) for x in (32, 64)}


DECODED = np.dtype([("op", "<i2"), ("rd", "u1"), ("rs1", "u1"), ("rs2", "u1"), ("aqrl", "u1"),
                    ("imm", "<i8")])


def decodable(op: Opcode, xlen: int, extensions: frozenset[str]) -> bool:
    """Whether a decoder for `xlen` given a profile's `extensions` (runtime/calls.py
    Registry.extensions: vendor extension names and PROFILE_CLASSES it takes) tries the row."""
    return (xlen in op.xlens and (not op.ext or op.ext in extensions)
            and (op.cls not in PROFILE_CLASSES or op.cls in extensions))


def illegal_words(n: int) -> np.ndarray:
    """n DECODED records of words that are no instruction (op -1)."""
    decoded = np.zeros(n, DECODED)
    decoded["op"] = -1
    return decoded


def decode_words(words: np.ndarray, xlen: int, extensions: frozenset[str] = frozenset()) -> np.ndarray:
    """Decode an array of words at once; op is the op id, or -1 where the word is illegal
    (also a row that is not `decodable` with these `extensions`).

    The vectorized twin of translator.decoder.decode (tests hold them equal), for
    whole code segments: region discovery and the prover's program ROM.  Only the
    distinct words that can be instructions (low bits 11) are matched against the
    rows, so zero fill and other filler cost a sort, not a pass per row.
    """
    words = np.asarray(words, dtype=np.uint32)
    out = illegal_words(len(words))
    candidates = np.flatnonzero(words & 3 == 3)
    distinct, which = np.unique(words[candidates], return_inverse=True)
    out[candidates] = _decode_distinct(distinct.astype(np.int64), xlen, extensions)[which]
    return out


def _decode_distinct(words: np.ndarray, xlen: int, extensions: frozenset[str]) -> np.ndarray:
    out = illegal_words(len(words))
    for op in TABLE:
        if not decodable(op, xlen, extensions):
            continue
        hit = ((words & op.mask) == op.match) & (out["op"] == -1)
        if not hit.any():
            continue
        w = words[hit]
        out["op"][hit] = op.id
        if op.format.name == "FENCE":
            out["imm"][hit] = (w >> 20) & 0xFFF
            continue
        for name, hi, lo in op.format.fields:
            out[name][hit] = (w >> lo) & ((1 << (hi - lo + 1)) - 1)
        if op.format.imm_parts:
            imm = np.zeros(len(w), np.int64)
            for hi, lo, at in op.format.imm_parts:
                imm |= ((w >> lo) & ((1 << (hi - lo + 1)) - 1)) << at
            if op.format.imm_bits:
                sign = 1 << (op.format.imm_bits - 1)
                imm = (imm ^ sign) - sign
            out["imm"][hit] = imm
    return out
