"""LLVM compilation of lifted regions, and the on-disk cache of object files.

`translate` lifts and compiles every region of a program for one mode (in
parallel partitions when the program is large; `translate_modes` for several
modes at once, their partitions in one pool) and stores the object files
under a key made of the ELF's hash, the translator's own source hash, the mode,
the memory layout, the optimisation level and the host CPU.  `load` puts the
objects into an MCJIT engine without running LLVM's optimiser again, which is
what makes a warm start cheap.
"""
import functools
import hashlib
import json
import os
import pickle
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm

from runtime.files import default_cache_dir
from runtime.scratch import scratch_dir
from translator import regions
from translator.lifter import Layout, dispatcher_module, lift_module, region_name
from translator.regions import CodeMap, Region

DEFAULT_OPT = 0                 # measured: nearly O1's run speed for less than half its compile time
QUICK_OPT = -1                  # the cold-start tier (translator/tiering.py): LLVM's O0 code generator, no passes
FULL_MODE_OPT = QUICK_OPT       # what the default tier compiles full mode at (tier())
# The default tier's code generator leaves out the machine scheduler, loop strength reduction and constant
# hoisting (LLVM command-line options, process-wide, so compile_ir sets them for each module): measured on
# the 200,000-instruction guest, 20% less code-generation time; run speed within the noise (docs/translator.md).
DEFAULT_TIER_OPTIONS = {"enable-misched": ("false", "true"), "disable-lsr": ("true", "false"),
                        "disable-constant-hoisting": ("true", "false")}     # name: (default tier, LLVM's own)
PARALLEL_THRESHOLD = 1_500      # instructions; below it, one process compiles faster than a pool starts
JOB_INSTRUCTIONS = 4_000        # per compile job in a pool (1-3 CPU-s): less CPU and memory than a partition per core
COMPILE_COST = {"fast": 1.0, "minimal": 1.1, "full": 0.5}     # CPU per instruction at each mode's default tier
# What the cache key hashes: every module of this package (the code a region becomes depends on the
# lifter's helpers as much as on the lifter: access groups, small loops, code pointers, float sites)
# and the runtime modules that say what an instruction is and where its results go.
_RUNTIME_SOURCES = ("encoding.py", "compressed.py", "isa.py", "trace.py", "softfp.py")
_SOURCES = (*sorted(Path(__file__).parent.glob("*.py")),
            *(Path(__file__).parent.parent / "runtime" / name for name in _RUNTIME_SOURCES))
_initialized = False


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


def target_machine(opt: int) -> llvm.TargetMachine:
    _init()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(cpu=llvm.get_host_cpu_name(),
                                        features=llvm.get_host_cpu_features().flatten(),
                                        opt=opt, reloc="pic", codemodel="default")


def translator_version() -> str:
    digest = hashlib.sha256(llvmlite.__version__.encode())
    for path in _SOURCES:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def compile_ir(module_text: str, opt: int) -> bytes:
    """Optimise and emit one module as a relocatable object file.

    opt 0 is the light tier: only SROA (the step and log counters into SSA
    values) and CFG simplification before the O1 code generator, less
    DEFAULT_TIER_OPTIONS' passes; 1-3 are LLVM's
    own pipelines (bench/translator.py measures what each costs and gives).
    QUICK_OPT runs no passes and LLVM's O0 code generator (fast instruction
    selection, the fast register allocator): several times quicker to produce,
    up to 3x slower to run.  Each module gets its own LLVM context.
    """
    mod = llvm.parse_assembly(module_text, llvm.create_context())
    mod.triple = llvm.get_process_triple()
    mod.verify()
    if opt == QUICK_OPT:
        return target_machine(0).emit_object(mod)
    for name, (ours, llvms) in DEFAULT_TIER_OPTIONS.items():
        llvm.set_option("", f"-{name}={ours if opt == DEFAULT_OPT else llvms}")
    tm = target_machine(max(opt, 1))
    pb = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=max(opt, 1)))
    if opt:
        pb.getModulePassManager().run(mod, pb)
    else:
        mpm = llvm.create_new_module_pass_manager()
        mpm.add_sroa_pass()
        mpm.add_simplify_cfg_pass()
        mpm.run(mod, pb)
    return tm.emit_object(mod)


def tier_code_map(program, mode: str, opt: int) -> CodeMap:
    """The code map `mode`'s code at tier `opt` is compiled with: quick-tier code keeps dispatch loops
    cut at the usual cap (regions.code_map)."""
    return regions.code_map(program, mode, quick=opt == QUICK_OPT)


def tier(mode: str, opt: int) -> int:
    """The tier a mode is compiled at.  Full mode's default is the quick tier: replaying a chunk is bound
    by writing its rows, and ran within 10% as fast on quick code as on the default tier (bench/cold_start.py),
    while its code, a row written per step, compiled 4x slower there."""
    return FULL_MODE_OPT if mode == "full" and opt == DEFAULT_OPT else opt


def lift_regions(cm: CodeMap, part: list[Region], mode: str, layout: Layout, opt: int) -> str:
    """The IR text of a list of regions for tier `opt`: small loops only where SROA makes their
    registers SSA values (lifter.lift_module)."""
    return lift_module(cm, part, mode, layout, name=f"part_{part[0].start:x}", loops=opt != QUICK_OPT)


def compile_regions(cm: CodeMap, part: list[Region], mode: str, layout: Layout, opt: int) -> bytes:
    """Lift a list of regions and compile them into one object."""
    return compile_ir(lift_regions(cm, part, mode, layout, opt), opt)


@functools.lru_cache(maxsize=4)
def _shipped_map(path: str) -> CodeMap:
    return pickle.loads(Path(path).read_bytes())


def compile_job(job: tuple) -> tuple[bytes, float]:
    """Worker entry point (module-level for pickling): job = (the file of a pickled code map, regions,
    mode, layout, opt); the object and the CPU seconds it took.  The code map (5 MB pickled for SQLite)
    goes through a file that each worker reads once, not with each of dozens of jobs."""
    start = time.process_time()
    path, part, mode, layout, opt = job
    obj = compile_regions(_shipped_map(path), part, mode, layout, opt)
    return obj, time.process_time() - start


def partitions(region_list: list[Region], cm: CodeMap, count: int) -> list[list[Region]]:
    """Split regions into `count` groups of similar instruction counts (largest first, greedy)."""
    groups: list[list[Region]] = [[] for _ in range(count)]
    sizes = [0] * count
    for region in sorted(region_list, key=lambda r: r.start - r.end):
        k = sizes.index(min(sizes))
        groups[k].append(region)
        sizes[k] += (region.end - region.start) // 4
    return [g for g in groups if g]


@dataclass
class Translation:
    objects: list[bytes]
    region_names: dict[int, str]     # leader pc -> function name
    compile_seconds: float           # wall time of the compile (shared by the modes compiled together)
    cached: bool
    key: str
    cpu_seconds: float = 0.0         # CPU time of this mode's own compile jobs, on whichever cores ran them


def cache_key(program, mode: str, layout: Layout, opt: int) -> str:
    _init()
    parts = [program.sha256, translator_version(), mode, repr(layout), str(tier(mode, opt)),
             repr(DEFAULT_TIER_OPTIONS), llvm.get_process_triple(), llvm.get_host_cpu_name(),
             llvm.get_host_cpu_features().flatten()]
    if program.self_loop_halts:         # its code map leaves jumps to themselves out (translator/regions.py)
        parts.append("self-loop-halts")
    if program.compressed:              # its code map has 2-byte slots (the C extension)
        parts.append("compressed")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def translate(program, cm: CodeMap, mode: str, layout: Layout, opt: int = DEFAULT_OPT,
              cache_dir: Path | None = None, workers: int | None = None) -> Translation:
    """Compile every region for `mode`, or load the objects from the cache."""
    return translate_modes(program, {mode: cm}, layout, opt, cache_dir, workers)[mode]


def translate_modes(program, code_maps: dict[str, CodeMap], layout: Layout, opt: int = DEFAULT_OPT,
                    cache_dir: Path | None = None, workers: int | None = None) -> dict[str, Translation]:
    """Compile every region of several modes (mode -> its code map), or load them from the cache.

    All the modes' jobs go to one pool, costliest first, so that every core stays busy until the last
    one is done: compiled mode after mode, each mode's last partition left the other cores idle.  The
    jobs are small (JOB_INSTRUCTIONS), so that on a machine shared with other work a core that runs
    slower takes fewer of them instead of finishing a large partition last."""
    done = {mode: cached_translation(program, cm, mode, layout, opt, cache_dir) for mode, cm in code_maps.items()}
    todo = [mode for mode, translation in done.items() if translation is None]
    workers = workers or (os.cpu_count() or 1)
    cache = Path(cache_dir or default_cache_dir())
    start = time.perf_counter()
    if workers > 1 and todo and sum(code_maps[mode].instructions for mode in todo) >= PARALLEL_THRESHOLD:
        results = _compile_in_pool({mode: code_maps[mode] for mode in todo}, layout, opt, workers, cache)
    else:
        results = {mode: [_timed(compile_regions, code_maps[mode], part, mode, layout, tier(mode, opt))
                          for part in partitions(code_maps[mode].regions, code_maps[mode], 1)] for mode in todo}
    seconds = time.perf_counter() - start
    for mode in todo:
        cm = code_maps[mode]
        objects = [obj for obj, _ in results[mode]] + [dispatcher_object(cm.shift)]
        key = cache_key(program, mode, layout, opt)
        _store(cache / key, objects)
        done[mode] = Translation(objects, _region_names(cm), seconds, False, key, sum(cpu for _, cpu in results[mode]))
    return done


def _timed(fn, *args) -> tuple:
    start = time.process_time()
    return fn(*args), time.process_time() - start


def _compile_in_pool(code_maps: dict[str, CodeMap], layout: Layout, opt: int, workers: int,
                     cache: Path) -> dict[str, list[tuple[bytes, float]]]:
    """Every mode's regions in jobs of about JOB_INSTRUCTIONS, costliest first, in one pool: the
    (object, CPU seconds) of each mode's jobs.  Each distinct code map is pickled once into a file."""
    cache.mkdir(parents=True, exist_ok=True)
    with scratch_dir(cache, ".maps-") as maps:
        paths = {}
        for cm in code_maps.values():
            if id(cm) not in paths:
                paths[id(cm)] = str(maps / f"{len(paths)}.pickle")
                Path(paths[id(cm)]).write_bytes(pickle.dumps(cm, protocol=pickle.HIGHEST_PROTOCOL))
        work = []
        for mode, cm in code_maps.items():
            count = max(workers, -(-cm.instructions // JOB_INSTRUCTIONS))
            work += [(paths[id(cm)], part, mode, layout, tier(mode, opt)) for part in partitions(cm.regions, cm, count)]
        work.sort(key=lambda job: COMPILE_COST[job[2]] * sum(r.end - r.start for r in job[1]), reverse=True)
        from translator.parallel import local_executor
        with local_executor(min(workers, len(work)), preload=["translator.jit"]) as pool:
            results = pool.map(compile_job, work)
    return {mode: [result for job, result in zip(work, results) if job[2] == mode] for mode in code_maps}


@functools.cache
def dispatcher_object(shift: int = 2) -> bytes:
    """The dispatcher, the same for every program with slots of 1 << shift bytes: compiled once per
    process, always at the default tier (it outlives a quick tier; 7-10 ms, a third of a small
    program's quick compile)."""
    return compile_ir(dispatcher_module(shift), DEFAULT_OPT)


def cached_translation(program, cm: CodeMap, mode: str, layout: Layout, opt: int = DEFAULT_OPT,
                       cache_dir: Path | None = None) -> Translation | None:
    """The translation from the cache, or None when it has not been compiled yet."""
    key = cache_key(program, mode, layout, opt)
    objects = _load_cached(Path(cache_dir or default_cache_dir()) / key)
    return None if objects is None else Translation(objects, _region_names(cm), 0.0, True, key)


def _region_names(cm: CodeMap) -> dict[int, str]:
    return {entry: region_name(r) for r in cm.regions for entry in r.entries}


def _load_cached(directory: Path) -> list[bytes] | None:
    """The cached objects, or None when absent or damaged (a damaged entry is rebuilt, never loaded)."""
    try:
        digests = json.loads((directory / "manifest.json").read_text())["sha256"]
        objects = [(directory / f"part{i}.o").read_bytes() for i in range(len(digests))]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if [hashlib.sha256(obj).hexdigest() for obj in objects] != digests:
        shutil.rmtree(directory, ignore_errors=True)
        return None
    return objects


def _store(directory: Path, objects: list[bytes]) -> None:
    """Write the cache entry whole or not at all: build it beside, then rename into place (a killed
    writer's directory is swept by the next one, runtime/scratch.py)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        with scratch_dir(directory.parent, ".tmp-") as tmp:
            for i, obj in enumerate(objects):
                (tmp / f"part{i}.o").write_bytes(obj)
            manifest = {"sha256": [hashlib.sha256(obj).hexdigest() for obj in objects]}
            (tmp / "manifest.json").write_text(json.dumps(manifest))
            os.replace(tmp, directory)
    except OSError:
        if not (directory / "manifest.json").exists():
            raise


class LoadedCode:
    """Compiled objects linked into an MCJIT engine; function addresses by name.

    The engine uses llvmlite's memory manager, which maps each object's code and data as one block.
    LLVM's default maps them separately, and in a fragmented address space they can land more than
    2 GiB apart, out of reach of the PC-relative references between them (jump tables, constants):
    LLVM then aborts the process in finalize_object.
    """

    def __init__(self, objects: list[bytes]):
        _init()
        tm = target_machine(0)
        empty = llvm.parse_assembly("")
        empty.triple = llvm.get_process_triple()
        self.engine = llvm.create_mcjit_compiler(empty, tm, use_lmm=True)
        for obj in objects:
            self.engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        self.engine.finalize_object()

    def address(self, name: str) -> int:
        return self.engine.get_function_address(name)
