"""The fuzz targets of tests/fuzzing.py on fixed seeds, a bounded share of what `make fuzz`
runs for as long as asked: every failure names its seed and case, so it can be made again."""
import pytest

from fuzzing import Case, ElfMutants, ProofMutants, RandomPrograms, Target, main, run, save


def no_failures(target: Target, seed: int, count: int) -> None:
    failures = run(target, seed, count)
    assert not failures, f"{len(failures)} of {count} cases failed:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("seed", range(4))
def test_elf_mutants_load_or_fail_on_one_line_and_run_the_same_on_both_engines(seed, tmp_path, jit_cache):
    no_failures(ElfMutants(tmp_path, jit_cache), seed, 90)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("xlen", [64, 32])
def test_random_programs_run_the_same_on_both_engines(xlen, seed, jit_cache):
    no_failures(RandomPrograms(xlen, jit_cache), seed, 50)


@pytest.mark.parametrize("seed", range(2))
def test_no_proof_mutant_verifies_and_each_is_refused_on_one_line(seed, tmp_path):
    no_failures(ProofMutants(tmp_path), seed, 25)


class Broken(Target):
    name = "broken"

    def generate(self, rng):
        return Case("made to fail", rng.randbytes(8), ".bin")

    def check(self, case):
        raise RuntimeError("boom")


def test_a_failing_case_is_reported_with_its_traceback_and_saved_with_how_to_make_it_again(tmp_path):
    target = Broken()
    failures = run(target, 7, 2)
    assert len(failures) == 2 and failures[1].startswith("broken seed 7 case 1: made to fail")
    assert "RuntimeError: boom" in failures[1]
    case = list(target.cases(7, 2))[1]
    assert case.data == list(target.cases(7, 5))[1].data          # a case depends on its seed and index only
    report = save(tmp_path / "out", target, 7, 1, 2, case, failures[1]).read_text()
    assert (tmp_path / "out" / "broken-7-1.bin").read_bytes() == case.data
    assert "--targets broken --seed 7 --count 2" in report and "RuntimeError: boom" in report


def test_make_fuzz_replays_one_seed_and_reports_its_rate(tmp_path, capsys):
    assert main(["--targets", "elf", "--seed", "3", "--count", "4", "--out", str(tmp_path)]) == 0
    assert "elf: 4 (" in capsys.readouterr().out
    assert not any(tmp_path.iterdir())
