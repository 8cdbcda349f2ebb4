"""The encoding table's fixed op ids and the facts its columns give (runtime/encoding.py)."""
import pytest

from runtime.encoding import (
    AMO_FNS, BY_ID, CLASSES, MEMORY_CLASSES, OP_AMO, OP_CLASS, OP_LEGAL, OP_SIZE, OP_TABLE, TABLE, TABLE_TEXT,
    PROFILE_CLASSES, TABLES, _parse_table,
)

CUSTOM = f"{len(TABLE)}   custom0    NONE   *    ecall  main    -    -    -     0000000 00000 00000 000 00000 0001011\n"


def ids(table) -> dict[tuple[str, tuple[int, ...]], int]:
    return {(op.name, op.xlens): op.id for op in table}


def test_op_ids_are_pinned_so_traces_and_program_ids_keep_their_meaning():
    pinned = {("lui", (32, 64)): 0, ("addi", (32, 64)): 21, ("slli", (64,)): 27, ("slli", (32,)): 30,
              ("add", (32, 64)): 33, ("ecall", (32, 64)): 44, ("mul", (32, 64)): 55, ("lr.w", (32, 64)): 68,
              ("sc.d", (64,)): 80, ("amomaxu.d", (64,)): 89}
    assert {key: ids(TABLE)[key] for key in pinned} == pinned


def test_ids_are_dense_and_each_row_has_one():
    assert sorted(op.id for op in TABLE) == list(range(len(TABLE)))
    assert [op.id for op in BY_ID] == list(range(len(TABLE)))


def test_a_row_inserted_first_with_a_new_id_renumbers_no_other_op():
    grown = _parse_table(CUSTOM + TABLE_TEXT)
    assert grown[0].name == "custom0" and grown[0].id == len(TABLE)
    assert {k: v for k, v in ids(grown).items() if k[0] != "custom0"} == ids(TABLE)


@pytest.mark.parametrize("row, why", [
    (CUSTOM.replace(f"{len(TABLE)} ", "33 "), "ids must be"),
    (CUSTOM.replace(f"{len(TABLE)} ", f"{len(TABLE) + 1} "), "ids must be"),
    (f"{len(TABLE)}   lx         LOAD   *    load   memory  -    s    -     ............ ..... 111 ..... 0000011\n", "size -"),
    (f"{len(TABLE)}   lx         LOAD   *    load   memory  3    s    -     ............ ..... 111 ..... 0000011\n", "size 3"),
    (f"{len(TABLE)}   lx         LOAD   *    load   memory  4    -    -     ............ ..... 111 ..... 0000011\n", "sign -"),
    (f"{len(TABLE)}   sx         S      *    load   memory  4    s    -     ....... ..... ..... 111 ..... 0100011\n", "format S"),
    (f"{len(TABLE)}   addx       I      *    alu    memory  -    -    add   ............ ..... 001 ..... 0001011\n", "table"),
    (f"{len(TABLE)}   addx       I      *    alu    alu     -    -    -     ............ ..... 001 ..... 0001011\n", "fn -"),
    (f"{len(TABLE)}   addx       I      *    alu    alu     -    -    addw  ............ ..... 001 ..... 0001011\n", "addw"),
    (f"{len(TABLE)}   amox.w     AMO    *    amo    memory  4    s    nand  11111 .. ..... ..... 010 ..... 0101111\n", "nand"),
    (f"{len(TABLE)}   add        R      *    alu    alu     -    -    add   1111111 ..... ..... 000 ..... 0110011\n", "two RV"),
])
def test_a_row_whose_columns_disagree_is_refused_at_parse(row, why):
    with pytest.raises(ValueError, match=why):
        _parse_table(TABLE_TEXT + row)


def test_lookup_arrays_give_each_ops_facts_at_its_id():
    for op in TABLE:
        assert CLASSES[OP_CLASS[op.id]] == op.cls and TABLES[OP_TABLE[op.id]] == op.table
        assert OP_SIZE[op.id] == op.size and (OP_SIZE[op.id] > 0) == (op.cls in MEMORY_CLASSES)
        assert OP_AMO[op.id] == (AMO_FNS.index(op.fn) if op.cls == "amo" else -1)
        assert [OP_LEGAL[x][op.id] for x in (32, 64)] == [x in op.xlens for x in (32, 64)]


def test_loads_say_their_size_and_signedness():
    loads = {op.name: (op.size, op.signed) for op in TABLE if op.cls == "load"}
    assert loads == {"lb": (1, True), "lh": (2, True), "lw": (4, True), "ld": (8, True),
                     "lbu": (1, False), "lhu": (2, False), "lwu": (4, False)}


def test_immediate_ops_compute_their_register_op():
    computes = {op.name: op.fn for op in TABLE if op.cls == "alu" and op.format.operand == "imm" and op.fn}
    assert computes == {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or", "andi": "and",
                        "slli": "sll", "srli": "srl", "srai": "sra", "addiw": "addw", "slliw": "sllw",
                        "srliw": "srlw", "sraiw": "sraw"}


def test_the_zicsr_rows_have_the_fixed_ids_90_to_95_and_only_profiles_decode_them():
    csr = {op.name: op.id for op in TABLE if op.cls == "csr"}
    assert csr == {"csrrw": 90, "csrrs": 91, "csrrc": 92, "csrrwi": 93, "csrrsi": 94, "csrrci": 95}
    assert "csr" in PROFILE_CLASSES
