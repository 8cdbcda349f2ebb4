"""The Main (CPU) table's components: each owns its columns (a `layout.Layout` part), its
constraints and its witness, and derives its messages from the finished table.

- `control`: the rows, step numbers, the instruction (ROM) and its op classes;
- `operands`: the register accesses, the operand values and rd's new value;
- `flow`: branch outcomes, the next pc, the link result of jal/jalr;
- `execute`: the ALU and Arith messages of the computing classes;
- `memory`: the address, the memops, loads' extension, stores' and AMOs' values;
- `atomics`: natural alignment of atomics and the LR/SC reservation;
- `calls`: the ecalls: exit, writes and the public output, the precompile calls;
- `profile`: the part a machine profile adds (its columns after the others', none for
  zkaot), the base of `zisk`: ZisK's calls (CSR-selected precompiles, marchid, the
  input-ready free call, the UART, the output slots at exit).

`prover/riscv/main.py` puts them together into the table (its docstring says what the
table proves, each component's docstring how).
"""
