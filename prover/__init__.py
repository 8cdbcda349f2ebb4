"""The STARK prover (not built yet: see the open issues)."""
