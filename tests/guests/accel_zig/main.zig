//! Calls every accelerator wrapper of the zkaot Zig module, for
//! tests/test_accelerators.py.  Input: a 32-byte hash, a 64-byte signature, a
//! recovery id, two BN254 G1 points, then bytes to hash.  Output: the recovered
//! key, whether it verifies the signature (secp256k1, and as a P-256 key), the
//! BN254 sum and the first point doubled by mul, the pairing check of no pairs,
//! the BLS12-381 sum of infinity with itself, whether an MSM of no pairs is
//! refused, BLAKE2f with 0 rounds of the IV state, the BLS12-381 G2 sum of
//! infinity with itself, whether a G2 MSM and a BLS12-381 pairing check of no
//! pairs are refused, whether a KZG evaluation with z = 2^256 - 1 is refused,
//! whether the maps to G1 and G2 refuse all-ones elements, and the RIPEMD-160.
const zk = @import("zkaot");
pub const panic = zk.panic;

fn run() !void {
    const in = zk.readInput();
    if (in.len < 225) return error.ShortInput;
    const msg = in[0..32].*;
    const sig = in[32..96].*;
    const key = try zk.ecrecover(msg, sig, in[96]);
    zk.writeOutput(&key);
    zk.writeOutput(&[2]u8{ @intFromBool(zk.secp256k1Verify(msg, sig, key)), @intFromBool(zk.secp256r1Verify(msg, sig, key)) });
    zk.writeOutput(&(try zk.bn254G1Add(in[97..161].*, in[161..225].*)));
    var two: [32]u8 = @splat(0);
    two[31] = 2;
    zk.writeOutput(&(try zk.bn254G1Mul(in[97..161].*, two)));
    const no_pairs: [0][192]u8 align(8) = .{};
    zk.writeOutput(&[1]u8{@intFromBool(try zk.bn254Pairing(&no_pairs))});
    const inf: [96]u8 = @splat(0);
    zk.writeOutput(&(try zk.bls12G1Add(inf, inf)));
    const no_msm: [0][128]u8 align(8) = .{};
    zk.writeOutput(&[1]u8{if (zk.bls12G1Msm(&no_msm)) |_| 0 else |_| 1});
    var h: [64]u8 align(8) = @splat(0);
    try zk.blake2f(0, &h, @splat(0), @splat(0), 1);
    zk.writeOutput(&h);
    const inf2: [192]u8 = @splat(0);
    zk.writeOutput(&(try zk.bls12G2Add(inf2, inf2)));
    const no_g2: [0][224]u8 align(8) = .{};
    const no_bls: [0][288]u8 align(8) = .{};
    zk.writeOutput(&[3]u8{
        if (zk.bls12G2Msm(&no_g2)) |_| 0 else |_| 1,
        if (zk.bls12Pairing(&no_bls)) |_| 0 else |_| 1,
        if (zk.kzgPointEval(@splat(0), @splat(0xff), @splat(0), @splat(0))) |_| 0 else |_| 1,
    });
    zk.writeOutput(&[2]u8{
        if (zk.bls12MapFpToG1(@splat(0xff))) |_| 0 else |_| 1,
        if (zk.bls12MapFp2ToG2(@splat(0xff))) |_| 0 else |_| 1,
    });
    zk.writeOutput(&zk.ripemd160(in[225..]));
}

export fn main() c_int {
    return zk.run(run);
}
