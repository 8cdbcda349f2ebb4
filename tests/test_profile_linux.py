"""The linux profile on a static rv64 Linux program written here against the kernel ABI
alone (tests/guests/linux/guest.c: its own __libc_start_main, raw system calls).  Each test
of the guest (its argv[1]) prints what it saw; the expected lines are worked out here from
the ELF, the arguments and hashlib.  Both engines must agree on everything observable."""
import hashlib
import struct
from pathlib import Path

from elftools.elf.elffile import ELFFile

from elf_factory import PF_R, PF_W, PF_X, Seg, build_elf
from profile_runs import both_engines, expansion_matches_reference
from runtime.linux import STACK_TOP, LinuxOptions, linux_calls
from runtime.profiles import PROFILES
from translator.assembler import assemble
from zkaot.cli import main
from zkaot.recognise import load_guest

GUEST = Path(__file__).parent / "guests" / "linux" / "linux_guest.elf"
EXAMPLES = Path(__file__).parent.parent / "examples" / "linux"
LINUX = PROFILES["linux"]


def run_both(test: str, jit_cache, frames=(), argv_tail=(), env=(), files=(), seed=None):
    """Run `guest <test> argv_tail...` under both engines; their results must agree."""
    guest = load_guest(GUEST, "linux")
    options = LinuxOptions(argv=(b"guest", test.encode(), *argv_tail), env=env, files=files, seed=seed)
    return both_engines(guest.program, LINUX.maps[64], linux_calls(options), jit_cache, frames,
                        windows=[(STACK_TOP - 0x4000, STACK_TOP)])


def lines(result) -> dict[str, str]:
    return dict(line.split("=", 1) for line in result.output.decode().splitlines() if "=" in line)


def test_auto_recognises_a_static_linux_program_by_its_libc_start():
    guest = load_guest(GUEST)
    assert guest.profile is LINUX
    assert guest.why == "symbol __libc_start_main names __libc_start_main"


def test_auto_recognises_a_stripped_go_program_by_its_build_information():
    guest = load_guest(EXAMPLES / "go_hello" / "prog.elf")
    assert guest.profile is LINUX
    assert guest.why == "it carries Go's build information"


def test_auto_recognises_a_stripped_glibc_program_by_its_abi_note():
    guest = load_guest(EXAMPLES / "c_libc_float" / "prog.elf")
    assert guest.profile is LINUX
    assert guest.why == "it carries glibc's Linux ABI note"


def test_argv_and_the_environment_reach_the_program_in_order(jit_cache):
    result = run_both("args", jit_cache, argv_tail=(b"two words", b""), env=(b"HOME=/home/guest", b"A=1"))
    assert result.output.decode().splitlines() == [
        "argc=4", "argv=guest", "argv=args", "argv=two words", "argv=", "env=HOME=/home/guest", "env=A=1"]
    assert result.exit_code == 0


def test_the_auxiliary_vector_names_page_size_entry_and_the_loaded_program_headers(jit_cache):
    with open(GUEST, "rb") as f:
        elf = ELFFile(f)
        phnum, phent = elf["e_phnum"], elf["e_phentsize"]
        loads = sum(seg["p_type"] == "PT_LOAD" for seg in elf.iter_segments())
    seen = lines(run_both("auxv", jit_cache))
    assert (seen["pagesz"], seen["entry_is_start"]) == ("4096", "1")
    assert (seen["phnum"], seen["phent"], seen["pt_load"]) == (str(phnum), str(phent), str(loads))


def _random_stream(stdin: bytes, counter: int) -> bytes:
    seed = hashlib.sha256(b"zkaot linux random\0" + stdin).digest()
    return hashlib.sha256(seed + counter.to_bytes(8, "little")).digest()


def test_at_random_is_a_hash_of_the_input(jit_cache):
    frames = [b"abc", b"def"]
    assert lines(run_both("auxv", jit_cache, frames=frames))["random"] == _random_stream(b"abcdef", 0)[:16].hex()


def test_a_seed_given_replaces_the_input_as_the_source_of_randomness(jit_cache):
    seen = lines(run_both("auxv", jit_cache, frames=[b"abc"], seed=b"my seed"))
    assert seen["random"] == _random_stream(b"my seed", 0)[:16].hex()


def test_getrandom_continues_the_stream_that_at_random_began(jit_cache):
    seen = lines(run_both("clock", jit_cache, frames=[b"seed"]))
    assert (seen["getrandom"], seen["random"]) == ("32", _random_stream(b"seed", 1).hex())


def test_the_clock_counts_steps_and_moves_forward(jit_cache):
    assert lines(run_both("clock", jit_cache))["clock_advanced"] == "1"


def test_stdin_is_the_input_frames_concatenated_and_then_ends(jit_cache):
    frames = [b"hello, ", b"", bytes(range(32, 127))]
    result = run_both("stdin", jit_cache, frames=frames)
    echoed, _, report = result.output.partition(b"\nread_total=")
    assert echoed == b"".join(frames)
    assert lines(result)["read_total"] == str(len(b"".join(frames)))
    assert (lines(result)["readv_at_end"], lines(result)["read_bad_fd"]) == ("0", "-9")


def test_a_file_given_on_the_command_line_opens_read_only_and_others_do_not_exist(jit_cache):
    seen = lines(run_both("file", jit_cache, argv_tail=(b"/etc/data",), files=(("/etc/data", b"0123456789"),)))
    assert seen == {"fd": "3", "fstat": "0", "size": "10", "seek": "1", "rest": "123456789", "close": "0",
                    "close_again": "-9", "missing": "-2", "for_writing": "-30", "write_to_file": "-9"}


def test_brk_grows_the_heap_and_mmap_hands_out_fresh_zeroed_pages(jit_cache):
    seen = lines(run_both("memory", jit_cache))
    assert seen == {"brk_page_aligned": "1", "brk_grew": "100000", "brk_store": "42", "brk_below_start_refused": "1",
                    "mmap_gap": str(3 * 4096), "mmap_zero": "1", "fixed_at": "1", "fixed_zeroes": "1",
                    "mmap_zero_length": "-22"}


def test_the_exit_status_is_the_low_byte_of_exit_groups_argument(jit_cache):
    assert run_both("exit", jit_cache).exit_code == 300 & 0xFF


def test_an_unknown_system_call_ends_the_run_naming_its_number(jit_cache):
    assert "linux: unsupported Linux syscall (unnamed) (999)" in str(run_both("unknown", jit_cache).fault)


def test_minimal_trace_expands_to_the_interpreters_full_trace(jit_cache):
    """brk, mmap, read and getrandom answer from process state: the load log carries their
    answers, so chunks replay without a process."""
    _, result, _, _ = expansion_matches_reference(load_guest(GUEST, "linux"), jit_cache, 7,
                                                  [b"some input for stdin"], min_chunks=4)
    assert result.exit_code == 0


def test_zkaot_run_passes_arguments_after_double_dash_and_env_to_the_program(capsys):
    status = main(["run", str(GUEST), "--engine", "interp", "--env", "K=V", "--", "args", "x"])
    assert status == 0
    assert "argv=args\nargv=x\nenv=K=V\n" in capsys.readouterr().out


def test_zkaot_run_gives_a_file_under_the_name_the_program_opens(tmp_path, capsys):
    data = tmp_path / "data.txt"
    data.write_bytes(b"abc")
    assert main(["run", str(GUEST), "--engine", "interp", "--file", f"/d={data}", "--", "file", "/d"]) == 0
    assert "size=3\nseek=1\nrest=bc\n" in capsys.readouterr().out


def test_linux_options_for_another_profiles_guest_are_bad_input(capsys):
    fib = Path(__file__).parent.parent / "examples" / "fibonacci" / "guest.rv64im.elf"
    assert main(["run", str(fib), "--env", "A=1"]) == 3
    assert "are for the linux profile, and this guest runs under zkaot" in capsys.readouterr().err


def test_zkaot_run_says_a_linux_programs_randomness_is_not_random(capsys):
    assert main(["run", str(GUEST), "--engine", "interp", "--seed", "s", "--", "args"]) == 0
    assert "randomness:  not random: getrandom and AT_RANDOM are a hash of --seed" in capsys.readouterr().out


def test_arguments_after_double_dash_belong_to_run_only(capsys):
    assert main(["disasm", str(GUEST), "--", "x"]) == 64
    assert "arguments after -- are for `zkaot run`" in capsys.readouterr().err


CODE, DATA = 0x10000, 0x20000
EXIT_A0 = "addi a7, zero, 94\necall"


def run_asm(source: str, data: bytes, jit_cache):
    """`source` assembled at CODE, with `data` read/write at DATA, as a Linux program on both engines."""
    elf = build_elf([Seg(CODE, PF_R | PF_X, assemble(source, CODE)), Seg(DATA, PF_R | PF_W, data)])
    guest = load_guest(elf, "linux")
    return both_engines(guest.program, LINUX.maps[64], LINUX.calls[64], jit_cache,
                        windows=[(DATA, DATA + len(data))])


def rt_sigaction(signal: int, act: str, oldact: str) -> str:
    return f"addi a0, zero, {signal}\n{act}\n{oldact}\naddi a3, zero, 8\naddi a7, zero, 134\necall"


def test_rt_sigaction_records_a_handler_and_gives_it_back_as_the_old_action(jit_cache):
    source = f"""lui s0, {DATA >> 12:#x}
        {rt_sigaction(10, "addi a1, s0, 0", "addi a2, zero, 0")}
        addi s1, a0, 0
        {rt_sigaction(10, "addi a1, zero, 0", "addi a2, s0, 32")}
        ld a0, 32(s0)
        add a0, a0, s1
        {EXIT_A0}"""
    assert run_asm(source, struct.pack("<Q", 0x42) + bytes(56), jit_cache).exit_code == 0x42


def test_rt_sigaction_cannot_set_sigkills_handler(jit_cache):
    source = f"""{rt_sigaction(9, f"lui a1, {DATA >> 12:#x}", "addi a2, zero, 0")}
        sub a0, zero, a0
        {EXIT_A0}"""
    assert run_asm(source, bytes(64), jit_cache).exit_code == 22           # EINVAL


PIPE_ROUND_TRIP = f"""lui s0, {DATA >> 12:#x}
    addi a0, s0, 0
    addi a1, zero, 0
    addi a7, zero, 59
    ecall
    lw s1, 0(s0)
    lw a0, 4(s0)
    addi a1, s0, 16
    addi a2, zero, 3
    addi a7, zero, 64
    ecall
    addi a0, s1, 0
    addi a1, s0, 32
    addi a2, zero, 8
    addi a7, zero, 63
    ecall
    addi s2, a0, 0
    addi a0, s1, 0
    addi a7, zero, 63
    ecall
    lbu a1, 34(s0)
    slli s2, s2, 8
    add s2, s2, a1
    sub a0, zero, a0
    slli a0, a0, 16
    add a0, a0, s2
    {EXIT_A0}"""
PIPE_DATA = bytes(16) + b"xyz" + bytes(45)


def test_a_pipe_gives_back_what_was_written_and_then_eagain(jit_cache):
    result = run_asm(PIPE_ROUND_TRIP, PIPE_DATA, jit_cache)
    assert result.exit_code == ord("z")          # read 3 bytes "xyz"; the status keeps the low byte
    assert result.regs[18] == (3 << 8) + ord("z")           # s2: the count read, then the last byte
    assert result.regs[10] == (11 << 16) + (3 << 8) + ord("z")   # EAGAIN (11) from the empty pipe


def test_a_pipe_programs_minimal_trace_expands_to_the_interpreters_full_trace(jit_cache):
    elf = build_elf([Seg(CODE, PF_R | PF_X, assemble(PIPE_ROUND_TRIP, CODE)), Seg(DATA, PF_R | PF_W, PIPE_DATA)])
    expansion_matches_reference(load_guest(elf, "linux"), jit_cache, chunk_log2=3)
