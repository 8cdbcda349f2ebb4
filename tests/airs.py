"""Example AIRs for the prover tests, each with an honest trace generator."""
import numpy as np

from prover.air import Air
from prover.field import P


def fibonacci(log_rows: int = 5, a0: int = 1, b0: int = 1):
    """Rows (a, b) -> (b, a + b); publics: the first row and the last b."""
    air = Air("fibonacci", main=["a", "b"], public=["a0", "b0", "result"])
    a, b = air.cols("a", "b")
    air.when_first(a - air.pub("a0"), "a starts at a0")
    air.when_first(b - air.pub("b0"), "b starts at b0")
    air.when_transition(a.next - b, "a' = b")
    air.when_transition(b.next - (a + b), "b' = a + b")
    air.when_last(b - air.pub("result"), "b ends at result")
    n = 1 << log_rows
    rows = [(a0, b0)]
    for _ in range(n - 1):
        x, y = rows[-1]
        rows.append((y, (x + y) % P))
    trace = np.array(rows, dtype=np.uint32)
    return air, trace, [a0, b0, int(trace[-1, 1])]


def byte_table():
    """A fixed table of the 256 byte values; `mult` counts the lookups of each."""
    air = Air("bytes", main=["mult"], fixed=["byte"])
    air.receive("byte", [air.col("byte")], air.col("mult"))
    return air, np.arange(256, dtype=np.uint32).reshape(-1, 1)


def counter(log_rows: int = 6, start: int = 1000):
    """value counts up by one per row and is split into two range-checked bytes."""
    air = Air("counter", main=["value", "lo", "hi"], public=["start"])
    value, lo, hi = air.cols("value", "lo", "hi")
    air.when_first(value - air.pub("start"), "value starts at start")
    air.when_transition(value.next - value - 1, "value counts up")
    air.constrain(value - lo - 256 * hi, "value = lo + 256 hi")
    air.send("byte", [lo])
    air.send("byte", [hi])
    values = start + np.arange(1 << log_rows, dtype=np.uint32)
    trace = np.stack([values, values & 0xFF, values >> 8], axis=1).astype(np.uint32)
    return air, trace, [start]


def byte_multiplicities(*byte_columns) -> np.ndarray:
    counts = np.zeros(256, dtype=np.uint32)
    for column in byte_columns:
        counts += np.bincount(column, minlength=256).astype(np.uint32)
    return counts.reshape(-1, 1)


def squares():
    """Table of (x, x^2) for x < 2^log_rows, with the number of lookups of each row."""
    air = Air("squares", main=["x", "square", "mult"])
    x, square, mult = air.cols("x", "square", "mult")
    air.constrain(square - x * x, "square = x^2")
    air.when_first(x, "x starts at 0")
    air.when_transition(x.next - x - 1, "x counts up")
    air.receive("square", [x, square], mult)
    return air


def square_users(log_rows: int = 5, table_log_rows: int = 3, seed: int = 0):
    """Rows (x, y) whose y = x^2 is proven only by a lookup into `squares`."""
    air = Air("users", main=["x", "y"])
    x, y = air.cols("x", "y")
    air.send("square", [x, y])
    xs = np.random.default_rng(seed).integers(0, 1 << table_log_rows, size=1 << log_rows).astype(np.uint32)
    trace = np.stack([xs, xs * xs], axis=1).astype(np.uint32)
    table = np.arange(1 << table_log_rows, dtype=np.uint32)
    mult = np.bincount(xs, minlength=table.size).astype(np.uint32)
    table_trace = np.stack([table, table * table, mult], axis=1).astype(np.uint32)
    return air, trace, table_trace


def wide(log_rows: int, columns: int = 60, seed: int = 0):
    """A benchmark-shaped table: columns/2 free inputs x_i and outputs y_i = x_i x_(i+1) x_(i+2) + x_i
    (degree 3), plus a row counter in the last column; about one constraint per output."""
    half = (columns - 1) // 2
    names = [f"x{i}" for i in range(half)] + [f"y{i}" for i in range(half)] + ["step"]
    air = Air("wide", main=names)
    xs = air.cols(*names[:half])
    ys = air.cols(*names[half:2 * half])
    step = air.col("step")
    for i in range(half):
        air.constrain(ys[i] - xs[i] * xs[(i + 1) % half] * xs[(i + 2) % half] - xs[i], f"y{i}")
    air.when_first(step, "step starts at 0")
    air.when_transition(step.next - step - 1, "step counts up")
    n = 1 << log_rows
    x = np.random.default_rng(seed).integers(0, P, size=(n, half), dtype=np.uint64)
    y = (x * np.roll(x, -1, axis=1) % P * np.roll(x, -2, axis=1) + x) % P
    trace = np.concatenate([x, y, np.arange(n, dtype=np.uint64)[:, None]], axis=1).astype(np.uint32)
    return air, trace
