"""Proof files through the command line: `zkaot verify` of a file, and a file whose claim
was edited (the tests of other profiles' proofs)."""
import dataclasses
from pathlib import Path

from prover.riscv.claim import RunClaim
from zkaot.cli import main


def verify(capsys, proof, *extra):
    """(status, stdout, stderr) of `zkaot verify proof --program-id <its claim's> *extra`."""
    capsys.readouterr()
    claim = RunClaim.decode(Path(proof).read_bytes())
    status = main(["verify", str(proof), "--program-id", claim.program_id, *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def edited(proof: Path, tmp_path: Path, **fields) -> Path:
    """A copy of the proof file with its claim's `fields` replaced."""
    claim = RunClaim.decode(Path(proof).read_bytes())
    path = tmp_path / "edited.proof"
    path.write_bytes(dataclasses.replace(claim, **fields).encode())
    return path
