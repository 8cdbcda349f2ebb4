"""The `zkaot` command line."""
import argparse
import json
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from runtime.files import read_limited, write_atomic
from runtime.memory_map import MemoryMap
from translator.elf import ElfError, load_elf
from translator.load_log import LogNotWritten
from zkaot import Interrupted
from zkaot.files import CannotWrite, check_writable

EXIT_OK, EXIT_GUEST_FAILED, EXIT_GUEST_FAULT, EXIT_BAD_INPUT = 0, 1, 2, 3
EXIT_USAGE = 64                 # EX_USAGE (sysexits.h): argparse's own 2 would read as "the guest faulted"
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE, EXIT_TERMINATED = 130, 141, 143    # 128 + SIGINT, SIGPIPE, SIGTERM

# Larger than the proof of the longest run zkaot proves (2^30 steps: 5 to 11 GiB in
# segments of the default size, about 1.1 to 2.5 MiB each).
MAX_PROOF_BYTES = 16 << 30

EXIT_STATUS = """\
exit status:
  0    the guest exited 0; prove: the proof is written; verify: it is accepted
  1    the guest exited with another code; verify: the proof is rejected
  2    the guest faulted
  3    bad input: a file zkaot cannot read or use (ELF, input, proof), an output
       it cannot write, a build error, a run it cannot prove
  64   usage: an unknown option, a missing argument, a value of the wrong form or
       out of range
  130  interrupted (SIGINT, Ctrl-C)
  141  the reader of standard output went away (a closed pipe)
  143  terminated (SIGTERM)
"""


class BadInput(Exception):
    """A file or run zkaot cannot use (missing, malformed, too large, not provable): exit status 3."""


class BadCommandLine(Exception):
    """The command line does not parse: exit status 64; str() is the error line and a hint."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised wherever Python is when it arrives, like Ctrl-C's KeyboardInterrupt:
    `finally` blocks and context managers remove temporaries on the way out, and whatever
    stops its workers on KeyboardInterrupt stops them for SIGTERM too."""


def _terminated(signum, frame):
    if _in_finalizer(frame):
        # Python prints and drops an exception raised in a finalizer ("Exception ignored in"),
        # and the work would go on: deliver the signal again once the finalizer has returned.
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGTERM)).start()
        return
    raise Terminated


def _in_finalizer(frame) -> bool:
    """Whether the signal arrived inside a __del__ or a weak reference's callback."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code.co_filename.endswith(("weakref.py", "_weakrefset.py")):
            return True
        frame = frame.f_back
    return False


def _read_input(args, absent: bytes | None = b"") -> bytes | None:
    """The bytes of --input-hex, or of the --input file (`-`: standard input, bounded like a
    file), or `absent` when neither is given."""
    if args.input_hex is not None:
        return args.input_hex
    if args.input is None:
        return absent
    return _read_file(args.input)


def _read_file(path: str) -> bytes:
    path, name = ("/dev/stdin", "standard input") if path == "-" else (path, path)
    try:
        return read_limited(path, MemoryMap().max_input)
    except OSError as e:
        raise BadInput(f"{name}: cannot read input: {e.strerror}") from None


def _read_frames(args) -> list[bytes]:
    """The input frames, in order: each --input file or --input-hex value is one."""
    return list(args.input_hex or []) or [_read_file(path) for path in args.input or []]


def _load(args):
    """The guest under --profile (auto: the one that recognises it); a binary no profile
    takes, or one that does not fit the named profile, is bad input."""
    from zkaot.recognise import load_guest
    try:
        return load_guest(args.elf, args.profile)
    except ValueError as e:
        raise BadInput(str(e)) from None


def _linux_process(args, guest):
    """argv (the program as named, then the arguments after `--`), --env and --file for a
    linux-profile run; None when none is given.  Other profiles have no process to give them to."""
    from runtime.linux import LinuxOptions
    if not (args.args or args.env or args.file or args.seed is not None):
        return None
    if guest.profile.name != "linux":
        raise BadInput(f"{guest.program.name}: --env, --file, --seed and program arguments are for the linux profile, "
                       f"and this guest runs under {guest.profile.name}")
    files = []
    for spec in args.file:
        name, _, path = spec.partition("=")
        files.append((name, _read_file(path)))
    return LinuxOptions(argv=tuple(os.fsencode(a) for a in (args.elf, *args.args)),
                        env=tuple(os.fsencode(e) for e in args.env), files=tuple(files),
                        seed=None if args.seed is None else os.fsencode(args.seed))


def _frames_for(guest, frames: list[bytes]):
    from zkaot.recognise import frames_for
    try:
        return frames_for(guest.profile, frames)
    except ValueError as e:
        raise BadInput(f"{guest.program.name}: {e}") from None


def _show_output(data: bytes) -> str:
    """Hex always; the text too when the output reads as text; `(empty)` rather than nothing."""
    if not data:
        return "(empty)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.hex()
    readable = data and all(c.isprintable() or c in "\n\t" for c in text)
    return data.hex() + (f"  {text!r}" if readable else "")


def _print_json(report: dict) -> None:
    """The one object a --json command prints on stdout; bytes fields as lowercase hex."""
    print(json.dumps(report, indent=2, default=bytes.hex))


def _duration(duration: timedelta) -> dict:
    """A time as ere's reports carry it (serde's form of Rust's Duration)."""
    secs, nanos = divmod(round(duration.total_seconds() * 1e9), 10**9)
    return {"secs": secs, "nanos": nanos}


def _progress_bar():
    from tqdm import tqdm
    bar = tqdm(unit=" steps", unit_scale=True, disable=None, leave=False, file=sys.stderr)
    return bar, lambda steps: bar.update(steps - bar.n)


def cmd_run(args) -> int:
    import zkaot
    if args.output:
        check_writable(args.output)
    guest = _load(args)
    program, frames = guest.program, _read_frames(args)
    _frames_for(guest, frames)
    bar, progress = _progress_bar()
    captured = {1: bytearray(), 2: bytearray()}         # --json: the guest's fd 1 and 2, for the report

    def show(fd: int, data: bytes) -> None:
        stream = sys.stdout if fd == 1 else sys.stderr
        bar.clear()
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()

    console = (lambda fd, data: captured[fd].extend(data)) if args.json else None if args.quiet else show
    process = _linux_process(args, guest)
    try:
        result = zkaot.execute(program, frames, engine=args.engine, step_limit=args.max_steps,
                               progress=progress, on_console=console, opt=args.opt, profile=guest.profile.name,
                               process=process)
    finally:
        bar.close()
    if args.output:
        write_atomic(args.output, result.output)
    fault = f"{program.name}: {result.fault}" if result.fault else None
    status = EXIT_GUEST_FAULT if fault else EXIT_OK if result.exit_code == 0 else EXIT_GUEST_FAILED
    if args.json:
        _print_json({"total_num_cycles": result.total_num_cycles, "region_cycles": result.region_cycles,
                     "execution_duration": _duration(result.execution_duration), "profile": guest.profile.name,
                     "exit_code": result.exit_code, "fault": fault, "public_output": result.output,
                     "stdout": bytes(captured[1]), "stderr": bytes(captured[2]), "misaligned": result.misaligned})
        return status
    rate = result.steps / result.seconds if result.seconds else 0.0
    print(f"profile:     {guest.profile.name} ({guest.why})")
    if guest.profile.name == "linux":
        print(f"randomness:  not random: getrandom and AT_RANDOM are a hash of {'--seed' if args.seed else 'the input'}")
    print(f"output:      {_show_output(result.output)}")
    if fault:
        print(f"fault:       {fault}")
    else:
        print(f"exit code:   {result.exit_code}")
    print(f"steps:       {result.steps:,}")
    print(f"misaligned:  {result.misaligned:,}")
    print(f"wall time:   {result.seconds:.3f} s ({rate / 1e6:.2f} M instructions/s, engine {args.engine})")
    if args.engine == "jit":
        print(f"compile:     {result.compile_seconds:.3f} s" + (" (loaded from the cache)" if result.cached else ""))
    if result.region_cycles:
        width = max(len("region"), *map(len, result.region_cycles))
        print(f"\n{'region':<{width}}  {'cycles':>13}")
        for name, cycles in result.region_cycles.items():
            print(f"{name:<{width}}  {cycles:>13,}")
    return status


def _program_id(program, profile: str = "zkaot") -> str:
    """The ID a proof of this program's runs under `profile` is verified against (prover/riscv/rom.py)."""
    from prover.riscv.rom import program_id
    return program_id(program.image(profile=profile))


def cmd_translate(args) -> int:
    from translator.executor import layout_for
    from translator.jit import default_cache_dir, translate_modes
    from translator.regions import code_map
    guest = _load(args)
    program = guest.program
    code = code_map(program, "fast")
    modes = ["fast", "minimal", "full"] if args.mode == "all" else [args.mode]
    print(f"{program.name}: RV{program.xlen}, {code.instructions:,} instructions in {len(code.regions)} "
          f"regions, sha256 {program.sha256}")
    print(f"profile: {guest.profile.name} ({guest.why})")
    from prover.riscv.proof_profiles import PROOF_PROFILES
    maps = {mode: code_map(program, mode) if mode != "fast" else code for mode in modes}
    with ThreadPoolExecutor(1) as meanwhile:    # the program ID (3 CPU-s for SQLite) while the workers compile
        program_id = (meanwhile.submit(_program_id, program, guest.profile.name)
                      if guest.profile.name in PROOF_PROFILES else None)
        translations = translate_modes(program, maps, layout_for(program, guest.profile.maps[program.xlen]), args.opt)
    if program_id is not None:
        print(f"program id: {program_id.result()}")
    for mode, t in translations.items():
        how = "already in the cache" if t.cached else f"compiled in {t.cpu_seconds:.1f} CPU-s"
        print(f"  {mode:8s} {how}: {default_cache_dir() / t.key}")
    compiled = [t for t in translations.values() if not t.cached]
    if compiled:
        print(f"compile: {compiled[0].compile_seconds:.2f} s wall for {len(compiled)} mode(s)")
    return EXIT_OK


def cmd_trace(args) -> int:
    from zkaot.tracing import trace
    out_dir = check_writable(args.output, "directory")
    guest = _load(args)
    program, frames = guest.program, _read_frames(args)
    _frames_for(guest, frames)
    print(f"profile: {guest.profile.name} ({guest.why})", file=sys.stderr)
    bar, progress = _progress_bar()
    expand_bar = None

    def expand_progress(done: int) -> None:
        nonlocal expand_bar
        if expand_bar is None:
            from tqdm import tqdm
            bar.close()
            expand_bar = tqdm(desc="expanding chunks", unit=" chunks", disable=None, leave=False, file=sys.stderr)
        expand_bar.update(done - expand_bar.n)

    try:
        summary = trace(program, frames, out_dir, args.mode, args.chunk_log2,
                        step_limit=args.max_steps, opt=args.opt, workers=args.workers, scheduler=args.scheduler,
                        progress=progress, expand_progress=expand_progress, profile=guest.profile.name)
    finally:
        bar.close()
        if expand_bar is not None:
            expand_bar.close()
    print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["exit_code"] == 0 else (EXIT_GUEST_FAULT if summary["fault"] else EXIT_GUEST_FAILED)


def cmd_profile(args) -> int:
    from translator.regions import code_map
    from zkaot.callstacks import call_profile
    from zkaot.inlines import inline_map
    from zkaot.profile import hottest, output_kind, write_output
    for path in args.output:
        if output_kind(path) is None:
            raise BadInput(f"{path}: a profile is written as .png, .svg, .folded or .json (speedscope)")
        check_writable(path)
    guest = _load(args)
    program = guest.program
    input_bytes, frames = _frames_for(guest, _read_frames(args))
    cm = code_map(program, "fast")
    inlines = inline_map(guest.data, cm.base, len(cm.kind), cm.shift)
    bar, progress = _progress_bar()
    try:
        prof = call_profile(program, input_bytes, step_limit=args.max_steps, inlines=inlines,
                            progress=lambda done, total: progress(done), machine=guest.profile, frames=frames)
    finally:
        bar.close()
    fault = prof.result.fault
    print(f"{program.name}: {prof.total:,} steps" + (f" (stopped: {fault})" if fault else "") +
          f", profile {guest.profile.name} ({guest.why})")
    own, inclusive, total = prof.self_steps(), prof.inclusive(), max(prof.total, 1)
    print(f"  {'self':>7}  {'self steps':>14}  {'total':>7}  function")
    for i in hottest(prof)[: args.top]:
        print(f"  {100 * own[i] / total:6.2f}%  {own[i]:>14,}  {100 * inclusive[i] / total:6.2f}%  {prof.names[i]}")
    if len(prof.names) == 1:
        print("  (the ELF has no function symbols: every step is counted as <no symbol>)")
    if inlines is None:
        print("  (no DWARF in the ELF: inlined functions count for their callers; `zkaot build --debug` keeps it)")
    title = f"{Path(program.name).name}: {prof.total:,} steps"
    for path in args.output:
        write_output(prof, path, title, args.top)
        print(f"{output_kind(path)}: {path}")
    return EXIT_OK


def cmd_disasm(args) -> int:
    from translator.disasm import listing
    guest = _load(args)
    program = guest.program
    print(f"{program.name}: RV{program.xlen}, entry 0x{program.entry:08x}, sha256 {program.sha256}, "
          f"profile {guest.profile.name} ({guest.why})")
    for line in listing(program, guest.profile.calls[program.xlen].extensions):
        print(line)
    return EXIT_OK


def cmd_check(args) -> int:
    from zkaot.check import check
    problems = check(args.elf)
    for line in problems:
        print(line)
    if problems:
        return EXIT_BAD_INPUT
    print(f"{args.elf}: ok: zkaot can load and run it")
    return EXIT_OK


def cmd_build(args) -> int:
    from zkaot.build import BuildError, build
    output = check_writable(args.output)
    try:
        digest = build([Path(s) for s in args.sources], output, arch=args.arch, opt=f"-O{args.O}",
                       defines={k: v if eq else None for k, eq, v in (d.partition("=") for d in args.D)},
                       extra_flags=[f"-I{Path(d).resolve()}" for d in args.I], debug=args.debug)
    except BuildError as e:
        raise BadInput(str(e)) from None
    print(f"{args.output}: sha256 {digest}")
    print(f"program id: {_program_id(load_elf(args.output))}")
    return EXIT_OK


def _claim_report(claim) -> dict:
    """The public values of a proof, for prove's and verify's --json."""
    return {"program_id": claim.program_id, "total_num_cycles": claim.steps, "segments": len(claim.segments),
            "exit_code": claim.exit_code, "public_output": claim.output, "input_hash": claim.input_root}


def _segments(claim) -> str:
    n = len(claim.segments)
    return "1 segment" if n == 1 else f"{n} segments"


def _security(conjectured: float, proven: float) -> str:
    """Both levels of the weakest segment, each named by its bound (README: Security)."""
    return (f"security:    {conjectured:.2f} bits conjectured (ethSTARK's FRI conjecture), "
            f"{proven:.2f} bits proven (unique decoding)")


def cmd_prove(args) -> int:
    import zkaot
    check_writable(args.output)
    guest = _load(args)
    program = guest.program
    frames = _read_frames(args)
    _frames_for(guest, frames)
    limit = zkaot.MAX_PROVE_STEPS if args.max_steps is None else min(args.max_steps, zkaot.MAX_PROVE_STEPS)
    try:
        proved = zkaot.prove(program, frames, max_steps=limit, segment_steps=args.segment_steps,
                             engine=args.engine, progress=True, workers=args.workers, scheduler=args.scheduler,
                             profile=guest.profile.name)
    except zkaot.GuestFaulted as e:
        print(f"zkaot: error: {e}", file=sys.stderr)
        return EXIT_GUEST_FAULT
    except (zkaot.CannotProve, zkaot.NoExecutor) as e:
        raise BadInput(str(e)) from None
    write_atomic(args.output, proved.proof)
    claim = proved.claim
    if args.json:
        _print_json({"proving_time": _duration(proved.proving_time), **_claim_report(claim), "proof": args.output,
                     "proof_size": len(proved.proof), "security_bits": proved.security_bits,
                     "proven_security_bits": proved.proven_bits})
        return EXIT_OK
    print(f"program id:  {claim.program_id}")
    print(f"steps:       {claim.steps:,} in {_segments(claim)}")
    print(f"exit code:   {claim.exit_code}")
    print(f"output:      {_show_output(claim.output)}")
    print(f"input hash:  {claim.input_root.hex()}")
    print(f"proof:       {args.output} ({len(proved.proof):,} bytes)")
    print(f"prove time:  {proved.seconds:.2f} s")
    print(_security(proved.security_bits, proved.proven_bits))
    return EXIT_OK


def cmd_input_hash(args) -> int:
    import zkaot
    print(zkaot.input_hash(_read_input(args)).hex())
    return EXIT_OK


def cmd_verify(args) -> int:
    import zkaot
    try:
        data = read_limited(args.proof, MAX_PROOF_BYTES)
    except OSError as e:
        raise BadInput(f"{args.proof}: cannot read the proof: {e.strerror}") from None
    frames = _read_frames(args)
    input_bytes = frames if args.input or args.input_hex else None
    try:
        verdict, claim = zkaot.verify(data, args.program_id, args.expect_exit, input_bytes, workers=args.workers,
                                      scheduler=args.scheduler)
    except ValueError as e:            # ClaimFormatError, or frames the proof's profile does not read
        raise BadInput(f"{args.proof}: {e}") from None
    except zkaot.NoExecutor as e:
        raise BadInput(str(e)) from None
    if args.json:
        _print_json({"accepted": bool(verdict), "reason": verdict.reason or None, **_claim_report(claim),
                     "input_checked": input_bytes is not None,
                     "security_bits": verdict.security_bits if verdict else None,
                     "proven_security_bits": verdict.proven_bits if verdict else None})
        return EXIT_OK if verdict else EXIT_GUEST_FAILED
    if not verdict:
        print(f"zkaot: proof rejected: {verdict.reason}", file=sys.stderr)
        return EXIT_GUEST_FAILED
    print(f"accepted:    the program {args.program_id} exited with code {claim.exit_code}")
    print(f"output:      {_show_output(claim.output)}")
    print(f"exit code:   {claim.exit_code}")
    print(f"steps:       {claim.steps:,} in {_segments(claim)}")
    print(f"input hash:  {claim.input_root.hex()}" + ("  (the given input's)" if input_bytes is not None else ""))
    print(_security(verdict.security_bits, verdict.proven_bits))
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one error line, a hint and EXIT_USAGE."""

    def error(self, message):
        raise BadCommandLine(f"{self.prog}: error: {message}\ntry '{self.prog} --help'")

    def parse_known_args(self, args=None, namespace=None):
        """A subcommand reports its own unknown arguments, so that the hint names its --help."""
        namespace, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return namespace, extra


class _Count:
    """An integer option with a range, checked while parsing (`int` alone takes --max-steps -5)."""

    def __init__(self, least: int, most: int | None = None):
        self.least, self.most = least, most

    def __call__(self, text: str) -> int:
        value = int(text)
        if value < self.least or (self.most is not None and value > self.most):
            bounds = f"at least {self.least}" if self.most is None else f"{self.least} to {self.most}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({bounds})")
        return value

    def __repr__(self) -> str:
        return "int"                # argparse's word for it in "invalid int value: 'x'"


def _without_0x(text: str) -> str:
    """Hex digits as people paste them: surrounding spaces, either case, an optional 0x."""
    text = text.strip().lower()
    return text[2:] if text.startswith("0x") else text


def _hex_option(text: str) -> bytes:
    try:
        return bytes.fromhex(_without_0x(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not hex (pairs of hex digits)") from None


def _input_options(p: argparse.ArgumentParser, what: str = "the bytes the guest reads with read_input",
                   positional: bool = False) -> None:
    """--input FILE (or, positional, FILE, and then one of the two is required) or --input-hex HEX, not both."""
    group = p.add_mutually_exclusive_group(required=positional)
    file = {"nargs": "?"} if positional else {}
    group.add_argument("input" if positional else "--input", metavar="FILE",
                       help=f"a file holding {what} ('-': standard input)", **file)
    group.add_argument("--input-hex", metavar="HEX", type=_hex_option, help=f"{what}, as hex digits")


def _frame_options(p: argparse.ArgumentParser) -> None:
    """Repeatable --input FILE or --input-hex HEX (not both kinds): one input frame each, in order."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--input", metavar="FILE", action="append",
                       help="a file holding one input frame ('-': standard input); repeat for more frames "
                            "(the zkaot profile reads one, with read_input)")
    group.add_argument("--input-hex", metavar="HEX", type=_hex_option, action="append",
                       help="one input frame, as hex digits; repeatable")


def _env_option(text: str) -> str:
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return text


def _file_option(text: str) -> str:
    name, eq, path = text.partition("=")
    if not (name and eq and path):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=PATH (the name the program opens, the file here)")
    return text


def _profile_option(p: argparse.ArgumentParser) -> None:
    from runtime.profiles import PROFILES
    p.add_argument("--profile", default="auto", choices=["auto", *PROFILES],
                   help="the machine profile: whose guest this is (default auto: recognised from the binary)")


def _program_id_option(text: str) -> str:
    pid = _without_0x(text)
    if len(pid) != 64 or any(ch not in "0123456789abcdef" for ch in pid):
        raise argparse.ArgumentTypeError(f"{text!r} is not a program ID (64 hex digits)")
    return pid


class _Version(argparse.Action):
    """--version, with the translator's source hash (part of the compile cache's key), computed only when asked."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version of zkaot and of its translator, and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import version

        from translator.jit import translator_version
        print(f"zkaot {version('zkaot')} (translator {translator_version()})")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="zkaot", description="Run, trace and prove RISC-V zkVM guests.", epilog=EXIT_STATUS,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a guest and report its output, exit code and counts",
                         usage="zkaot run [options] elf [-- ARG...]",
                         epilog="Arguments after -- are the program's argv[1:] (linux profile).")
    run.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _frame_options(run)
    _profile_option(run)
    run.add_argument("--engine", default="jit", choices=["jit", "interp"],
                     help="jit: LLVM-translated code (default); interp: the reference interpreter")
    run.add_argument("--opt", type=int, default=None, choices=[0, 1, 2, 3], help="LLVM optimisation tier for jit")
    run.add_argument("--max-steps", type=_Count(0), default=None, help="stop the guest after this many steps")
    run.add_argument("--output", help="also write the public output to this file")
    run.add_argument("--quiet", action="store_true", help="do not show the guest's console output")
    run.add_argument("--json", action="store_true",
                     help="print one JSON object (ere's execution report; the console output in it as hex) "
                          "and nothing else on stdout")
    run.add_argument("--env", metavar="K=V", type=_env_option, action="append", default=[],
                     help="linux profile: an environment variable of the process; repeatable")
    run.add_argument("--file", metavar="NAME=PATH", type=_file_option, action="append", default=[],
                     help="linux profile: the file at PATH can be opened (read-only) as NAME; repeatable")
    run.add_argument("--seed", metavar="TEXT",
                     help="linux profile: what getrandom and AT_RANDOM derive from (default: the input); "
                          "either way they are not random")
    run.set_defaults(func=cmd_run, args=[])

    tra = sub.add_parser("translate", help="compile a guest ahead of time into the on-disk cache")
    tra.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _profile_option(tra)
    tra.add_argument("--mode", default="all", choices=["fast", "minimal", "full", "all"],
                     help="the trace mode to compile for (default all three)")
    tra.add_argument("--opt", type=int, default=0, choices=[0, 1, 2, 3], help="LLVM optimisation tier (default 0)")
    tra.set_defaults(func=cmd_translate)

    trc = sub.add_parser("trace", help="run a guest and write its minimal or full trace")
    trc.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _frame_options(trc)
    _profile_option(trc)
    trc.add_argument("--mode", default="full", choices=["minimal", "full"],
                     help="minimal: what the run reads; full: every step's row, expanded from it (default full)")
    trc.add_argument("-o", "--output", required=True, help="directory for the trace files")
    trc.add_argument("--chunk-log2", type=_Count(0, 63), default=18, help="chunks of about 2^K steps")
    trc.add_argument("--max-steps", type=_Count(0), default=None, help="stop the guest after this many steps")
    trc.add_argument("--opt", type=int, default=0, choices=[0, 1, 2, 3], help="LLVM optimisation tier (default 0)")
    trc.add_argument("--workers", type=_Count(1), default=None, help="local worker processes for expansion")
    trc.add_argument("--scheduler", help="address of a Dask scheduler to expand chunks on (tcp://host:8786)")
    trc.set_defaults(func=cmd_trace)

    prf = sub.add_parser("profile", help="where the guest spends its steps, by function and call stack "
                                          "(text, PNG, SVG flame graph, folded stacks, speedscope)")
    prf.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _frame_options(prf)
    _profile_option(prf)
    prf.add_argument("-o", "--output", action="append", default=[],
                     help="also write the profile here, by extension: .png (bar chart of self steps), .svg "
                          "(flame graph), .folded (flamegraph.pl / inferno stacks), .json (speedscope); "
                          "repeatable")
    prf.add_argument("--max-steps", type=_Count(0), default=None,
                     help="stop the guest after this many steps and profile the run so far")
    prf.add_argument("--top", type=_Count(1), default=15, help="how many functions to list (default 15)")
    prf.set_defaults(func=cmd_profile)

    dis = sub.add_parser("disasm", help="list the decoded program with symbols")
    dis.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _profile_option(dis)
    dis.set_defaults(func=cmd_disasm)

    chk = sub.add_parser("check", help="check that an ELF runs on zkaot; name each rule it breaks and the fix")
    chk.add_argument("elf", help="the guest: a RISC-V ELF executable")
    chk.set_defaults(func=cmd_check)

    bld = sub.add_parser("build", help="compile a C or Zig guest with the bundled Zig toolchain")
    bld.add_argument("sources", nargs="+", help="the guest's C or Zig source files")
    bld.add_argument("--arch", default="rv64im", choices=["rv64im", "rv64ima", "rv32im"],
                     help="the instruction set to compile for (default rv64im)")
    bld.add_argument("-o", "--output", required=True, help="the ELF file to write")
    bld.add_argument("-O", default="2", choices=["0", "1", "2", "3", "s", "z"],
                     help="optimisation level, as the C compiler's -O (Zig: 0 Debug, 1 ReleaseSafe, 2 and 3 "
                          "ReleaseFast, s and z ReleaseSmall; default 2)")
    bld.add_argument("-D", action="append", default=[], metavar="NAME[=VALUE]", help="define a C macro")
    bld.add_argument("-I", action="append", default=[], metavar="DIR", help="also search DIR for headers")
    bld.add_argument("-g", "--debug", action="store_true",
                     help="keep DWARF line info, for profiles (the ELF is then not reproducible)")
    bld.set_defaults(func=cmd_build)

    pro = sub.add_parser("prove", help="run a guest and prove the whole run (a proof file)")
    pro.add_argument("elf", help="the guest: a RISC-V ELF executable")
    _frame_options(pro)
    _profile_option(pro)
    pro.add_argument("-o", "--output", required=True, help="the proof file to write")
    pro.add_argument("--max-steps", type=_Count(0), default=None,
                     help="refuse runs longer than this (default and most: 2^30 steps)")
    pro.add_argument("--segment-steps", type=_Count(1), default=None,
                     help="prove long runs in segments of at most this many steps (default 2^18 - 1); "
                          "the prover's memory grows with it")
    pro.add_argument("--engine", default="jit", choices=["jit", "interp"],
                     help="whose full trace is proven: the translator's (default) or the interpreter's")
    pro.add_argument("--workers", type=_Count(1), default=None,
                     help="local worker processes proving segments at once (default: one per core; 1 proves in "
                          "this process); peak memory grows with workers times --segment-steps")
    pro.add_argument("--scheduler", help="address of a Dask scheduler to prove segments on (tcp://host:8786); "
                                         "its workers must see this machine's $TMPDIR and zkaot cache")
    pro.add_argument("--json", action="store_true",
                     help="print one JSON object (ere's proving report and the proof's public values) "
                          "and nothing else on stdout")
    pro.set_defaults(func=cmd_prove)

    ver = sub.add_parser("verify", help="check a proof file against a program ID; print the public output")
    ver.add_argument("proof", help="the proof file (zkaot prove writes it)")
    ver.add_argument("--program-id", required=True, type=_program_id_option,
                     help="the program ID (64 hex digits, 0x allowed; zkaot build prints it)")
    ver.add_argument("--expect-exit", type=int, default=0, help="the exit code to accept (default 0)")
    _frame_options(ver)
    ver.add_argument("--workers", type=_Count(1), default=None,
                     help="local worker processes checking a chain's segments at once (default 1: this process, "
                          "faster on 2 cores for every chain measured)")
    ver.add_argument("--scheduler", help="address of a Dask scheduler to check segments on (tcp://host:8786); "
                                         "its workers must see the zkaot cache")
    ver.add_argument("--json", action="store_true",
                     help="print one JSON object (the verdict, the reason of a rejection and the proof's "
                          "public values) and nothing else on stdout")
    ver.set_defaults(func=cmd_verify)

    inh = sub.add_parser("input-hash", help="print the input hash a proof of a run on this input commits to")
    _input_options(inh, "the input", positional=True)
    inh.set_defaults(func=cmd_input_hash)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # `zkaot run prog -- ARG...`: what follows -- is the guest's, not zkaot's
    program_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    try:
        args = parser().parse_args(argv)
        if program_args and args.command != "run":
            raise BadCommandLine(f"zkaot {args.command}: arguments after -- are for `zkaot run` (linux profile)")
        args.args = program_args
    except BadCommandLine as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return args.func(args)
    except (ElfError, BadInput, CannotWrite, LogNotWritten) as e:
        for line in str(e).splitlines():      # a build shows every compiler error, one to a line
            print(f"zkaot: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as e:
        terminated = isinstance(e, Terminated) or isinstance(e.__cause__, Terminated)
        where = f" at {e}" if isinstance(e, Interrupted) else ""
        print(f"zkaot: {'terminated' if terminated else 'interrupted'}{where}", file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of stdout went away (zkaot disasm | head): no traceback, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
