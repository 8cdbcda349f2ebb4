"""The machine contract shared by the interpreter, the translator, the prover and the guest."""
