//! zig_collatz: input u32 n (LE). For every start value 1..n, count the
//! Collatz steps to reach 1 (x -> x/2 if even, 3x+1 if odd).
//! output: u64 total steps, u32 the start value with the most steps (the
//! smallest such), u32 that step count (all LE).
const std = @import("std");
const zk = @import("zkaot");

pub const panic = zk.panic;

fn steps(start: u64) u32 {
    var x = start;
    var s: u32 = 0;
    while (x != 1) : (s += 1) {
        x = if (x & 1 == 0) x >> 1 else 3 * x + 1;
    }
    return s;
}

fn run() !void {
    const input = zk.readInput();
    if (input.len < 4) return error.InputTooShort;
    const n = std.mem.readInt(u32, input[0..4], .little);
    var total: u64 = 0;
    var best: u32 = 1;
    var best_steps: u32 = 0;
    var i: u32 = 1;
    while (i <= n) : (i += 1) {
        const s = steps(i);
        total += s;
        if (s > best_steps) {
            best = i;
            best_steps = s;
        }
    }
    var out: [16]u8 = undefined;
    std.mem.writeInt(u64, out[0..8], total, .little);
    std.mem.writeInt(u32, out[8..12], best, .little);
    std.mem.writeInt(u32, out[12..16], best_steps, .little);
    zk.writeOutput(&out);
}

export fn main() c_int {
    return zk.run(run);
}
