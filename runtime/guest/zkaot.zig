//! zkaot guest SDK for Zig guests (RV32 and RV64).
//!
//! A Zig guest imports this module as `zkaot` and exports the C symbol
//! `main`, which crt0.S's `_start` calls (after setting sp and gp) and whose
//! result becomes the exit code. zkaot/build.py links the guest with crt0.S,
//! zkaot.c and zkaot.ld. The ecall numbers mirror runtime/calls.py (the source
//! of truth) and zkaot.h.
//!
//!     const zk = @import("zkaot");
//!     pub const panic = zk.panic; // optional: panics print and exit 134
//!     export fn main() c_int {
//!         const input = zk.readInput();
//!         const digest = zk.sha256(input);
//!         zk.writeOutput(&digest);
//!         return 0;
//!     }

const std = @import("std");

// ---- Machine contract (runtime/calls.py, runtime/memory_map.py) --------
pub const SYS_WRITE: usize = 64;
pub const SYS_EXIT: usize = 93;
pub const FD_STDOUT: usize = 1;
pub const FD_STDERR: usize = 2;
pub const FD_PUBLIC_OUTPUT: usize = 3;
pub const PRECOMPILE_BASE: usize = 0x800;
pub const SYS_KECCAKF: usize = 0x800;
pub const SYS_SHA256_COMPRESS: usize = 0x801;
pub const SYS_CYCLE_SCOPE_START: usize = 0x810;
pub const SYS_CYCLE_SCOPE_END: usize = 0x811;
pub const SYS_CYCLE_COUNT: usize = 0x812;
// Big-integer, curve and Fp2 precompiles (docs/accelerators.md): a0 = a0 op a1.
pub const SYS_UINT256_MULMOD: usize = 0x820;
pub const SYS_UINT256_ADDMOD: usize = 0x821;
pub const SYS_SECP256K1_ADD: usize = 0x822;
pub const SYS_SECP256K1_DOUBLE: usize = 0x823;
pub const SYS_SECP256R1_ADD: usize = 0x824;
pub const SYS_SECP256R1_DOUBLE: usize = 0x825;
pub const SYS_BN254_G1_ADD: usize = 0x826;
pub const SYS_BN254_G1_DOUBLE: usize = 0x827;
pub const SYS_BLS12_381_G1_ADD: usize = 0x828;
pub const SYS_BLS12_381_G1_DOUBLE: usize = 0x829;
pub const SYS_BN254_FP2_MUL: usize = 0x82a;
pub const SYS_BN254_FP2_ADD: usize = 0x82b;
pub const SYS_BLS12_381_FP2_MUL: usize = 0x82c;
pub const SYS_BLS12_381_FP2_ADD: usize = 0x82d;
pub const INPUT_BASE: usize = 0x4000_0000;
pub const ABORT_CODE: i32 = 134;

// ---- Entry point ------------------------------------------------------
// crt0.S's `_start` calls the C symbol `main` and exits with its result, so
// the guest's root file exports it:
//
//     export fn main() c_int { ...; return 0; }
//
// (Zig analyses lazily: a `main` exported from inside this module would
// never be seen unless the root referenced the module at comptime, so the
// export is left to the root file, where it is explicit.) `run` adapts any
// function returning void, an integer or an error union of those:
//
//     export fn main() c_int { return zk.run(realMain); }

/// Calls f and turns its result into main's exit code: void -> 0, an
/// integer -> itself, an error -> its name on fd 2 and exit code 1.
pub fn run(comptime f: anytype) c_int {
    const R = @typeInfo(@TypeOf(f)).@"fn".return_type.?;
    switch (@typeInfo(R)) {
        .void => {
            f();
            return 0;
        },
        .noreturn => f(),
        .int => return @intCast(f()),
        .error_union => {
            const r = f() catch |err| {
                eprint("error: ");
                eprint(@errorName(err));
                eprint("\n");
                return 1;
            };
            return switch (@typeInfo(@TypeOf(r))) {
                .void => 0,
                else => @intCast(r),
            };
        },
        else => @compileError("expected a function returning void, noreturn, an integer or an error union of those"),
    }
}

// ---- ecalls -------------------------------------------------------------

/// Raw ecall: a7 = num, a0..a2 = arguments; returns a0.
pub inline fn syscall(num: usize, a0: usize, a1: usize, a2: usize) usize {
    return asm volatile ("ecall"
        : [ret] "={x10}" (-> usize),
        : [num] "{x17}" (num),
          [a0] "{x10}" (a0),
          [a1] "{x11}" (a1),
          [a2] "{x12}" (a2),
        : .{ .memory = true });
}

// ---- I/O and termination ------------------------------------------------

/// The preloaded input (read-only, not copied).
pub fn readInput() []const u8 {
    const hdr: *const volatile u64 = @ptrFromInt(INPUT_BASE);
    const len: usize = @intCast(hdr.*);
    const data: [*]const u8 = @ptrFromInt(INPUT_BASE + 8);
    return data[0..len];
}

/// Appends bytes to the public (committed) output.
pub fn writeOutput(bytes: []const u8) void {
    _ = syscall(SYS_WRITE, FD_PUBLIC_OUTPUT, @intFromPtr(bytes.ptr), bytes.len);
}

/// Console output on fd 1: shown, not committed.
pub fn print(s: []const u8) void {
    _ = syscall(SYS_WRITE, FD_STDOUT, @intFromPtr(s.ptr), s.len);
}

/// Console output on fd 2: shown, not committed.
pub fn eprint(s: []const u8) void {
    _ = syscall(SYS_WRITE, FD_STDERR, @intFromPtr(s.ptr), s.len);
}

// ---- std.debug.print and std.log ------------------------------------------
// A guest has no files, threads or clocks, so the std.Io that std.debug.print
// and std.log's default handler write through is one whose stderr is the
// console's fd 2 and which has nothing else. In the guest's root file:
//
//     pub const std_options_debug_io = zk.debug_io;   // std.debug.print
//     pub const std_options = zk.std_options;         // std.log (and the page size)

/// std.log through logFn, and the page size std.heap needs on freestanding.
pub const std_options: std.Options = .{ .logFn = logFn, .page_size_min = 4096, .page_size_max = 4096 };

/// The std.Io behind std.debug.print: stderr is fd 2; every other operation
/// fails as std.Io.failing's do.
pub const debug_io: std.Io = .{ .userdata = null, .vtable = &debug_vtable };

const debug_vtable: std.Io.VTable = blk: {
    var v = std.Io.failing.vtable.*;
    v.swapCancelProtection = keepCancelProtection;
    v.lockStderr = lockStderr;
    v.tryLockStderr = tryLockStderr;
    v.unlockStderr = unlockStderr;
    break :blk v;
};

var stderr_writer: std.Io.File.Writer = .{
    .io = debug_io,
    .file = .{ .handle = undefined, .flags = .{ .nonblocking = false } },
    .mode = .streaming,
    .interface = .{ .vtable = &.{ .drain = drainToStderr }, .buffer = &.{} },
};

fn drainToStderr(w: *std.Io.Writer, data: []const []const u8, splat: usize) std.Io.Writer.Error!usize {
    var n = w.end;
    eprint(w.buffered());
    for (data[0 .. data.len - 1]) |part| {
        eprint(part);
        n += part.len;
    }
    for (0..splat) |_| eprint(data[data.len - 1]);
    n += data[data.len - 1].len * splat;
    return w.consume(n);
}

fn keepCancelProtection(_: ?*anyopaque, new: std.Io.CancelProtection) std.Io.CancelProtection {
    return new; // nothing is ever cancelled: the guest runs alone
}

fn lockStderr(_: ?*anyopaque, _: ?std.Io.Terminal.Mode) std.Io.Cancelable!std.Io.LockedStderr {
    return .{ .file_writer = &stderr_writer, .terminal_mode = .no_color };
}

fn tryLockStderr(userdata: ?*anyopaque, mode: ?std.Io.Terminal.Mode) std.Io.Cancelable!?std.Io.LockedStderr {
    return try lockStderr(userdata, mode);
}

fn unlockStderr(_: ?*anyopaque) void {
    stderr_writer.interface.flush() catch {};
}

/// std.log's handler: `level(scope): message` on fd 2, as std's default prints it.
pub fn logFn(
    comptime level: std.log.Level,
    comptime scope: @EnumLiteral(),
    comptime format: []const u8,
    args: anytype,
) void {
    const prefix = comptime level.asText() ++ (if (scope == .default) ": " else "(" ++ @tagName(scope) ++ "): ");
    std.debug.print(prefix ++ format ++ "\n", args);
}

/// Region cycles: the instructions retired between a start and an end with the
/// same name (the marking ecalls excluded), summed per name (`zkaot run` prints them).
pub fn cycleScopeStart(name: []const u8) void {
    _ = syscall(SYS_CYCLE_SCOPE_START, @intFromPtr(name.ptr), name.len, 0);
}

pub fn cycleScopeEnd(name: []const u8) void {
    _ = syscall(SYS_CYCLE_SCOPE_END, @intFromPtr(name.ptr), name.len, 0);
}

/// The instructions retired before this call's ecall.
pub fn cycleCount() u64 {
    return syscall(SYS_CYCLE_COUNT, 0, 0, 0);
}

pub fn exit(code: i32) noreturn {
    _ = syscall(SYS_EXIT, @bitCast(@as(isize, code)), 0, 0);
    while (true) {}
}

pub fn abort() noreturn {
    exit(ABORT_CODE);
}

/// Panic handler namespace: `pub const panic = zkaot.panic;` in the root
/// file makes panics print their message on fd 2 and exit with code 134.
pub const panic = std.debug.FullPanic(panicFn);

fn panicFn(msg: []const u8, first_trace_addr: ?usize) noreturn {
    _ = first_trace_addr;
    eprint("panic: ");
    eprint(msg);
    eprint("\n");
    abort();
}

// ---- Heap ----------------------------------------------------------------
// The heap is shared with C code (zkaot.c's bump allocator over
// [_heap_start, _heap_end)); memory is never reused.

extern fn zkaot_alloc(size: usize, alignment: usize) ?[*]u8;

/// A std.mem.Allocator over the guest heap. free() is a no-op, resize only
/// succeeds when shrinking.
pub const allocator: std.mem.Allocator = .{ .ptr = undefined, .vtable = &heap_vtable };

const heap_vtable: std.mem.Allocator.VTable = .{
    .alloc = heapAlloc,
    .resize = heapResize,
    .remap = heapRemap,
    .free = heapFree,
};

fn heapAlloc(_: *anyopaque, len: usize, alignment: std.mem.Alignment, _: usize) ?[*]u8 {
    return zkaot_alloc(len, alignment.toByteUnits());
}

fn heapResize(_: *anyopaque, memory: []u8, _: std.mem.Alignment, new_len: usize, _: usize) bool {
    return new_len <= memory.len;
}

fn heapRemap(_: *anyopaque, memory: []u8, _: std.mem.Alignment, new_len: usize, _: usize) ?[*]u8 {
    return if (new_len <= memory.len) memory.ptr else null;
}

fn heapFree(_: *anyopaque, _: []u8, _: std.mem.Alignment, _: usize) void {}

// ---- Keccak-256 ----------------------------------------------------------

/// keccak-f[1600] on 25 little-endian lanes, in place (the keccakf precompile).
pub fn keccakF(state: *align(8) [25]u64) void {
    _ = syscall(SYS_KECCAKF, @intFromPtr(state), 0, 0);
}

/// Keccak-256 (Ethereum's: padding 0x01 ... 0x80, rate 136 bytes).
pub fn keccak256(data: []const u8) [32]u8 {
    const rate = 136;
    var st: [25]u64 align(8) = @splat(0);
    const bytes: *[200]u8 = @ptrCast(&st);
    var rest = data;
    while (rest.len >= rate) : (rest = rest[rate..]) {
        for (bytes[0..rate], rest[0..rate]) |*s, d| s.* ^= d;
        keccakF(&st);
    }
    for (bytes[0..rest.len], rest) |*s, d| s.* ^= d;
    bytes[rest.len] ^= 0x01;
    bytes[rate - 1] ^= 0x80;
    keccakF(&st);
    return bytes[0..32].*;
}

// ---- SHA-256 -------------------------------------------------------------

/// SHA-256 compression of one 64-byte block into state (the sha256_compress
/// precompile).
pub fn sha256Compress(state: *[8]u32, block: *const [64]u8) void {
    _ = syscall(SYS_SHA256_COMPRESS, @intFromPtr(state), @intFromPtr(block), 0);
}

pub fn sha256(data: []const u8) [32]u8 {
    var st = [8]u32{
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    var rest = data;
    while (rest.len >= 64) : (rest = rest[64..]) sha256Compress(&st, rest[0..64]);
    var tail: [128]u8 align(8) = @splat(0);
    @memcpy(tail[0..rest.len], rest);
    tail[rest.len] = 0x80;
    const n: usize = if (rest.len + 9 <= 64) 64 else 128;
    std.mem.writeInt(u64, tail[n - 8 ..][0..8], @as(u64, data.len) * 8, .big);
    sha256Compress(&st, tail[0..64]);
    if (n == 128) sha256Compress(&st, tail[64..128]);
    var out: [32]u8 = undefined;
    for (st, 0..) |w, i| std.mem.writeInt(u32, out[4 * i ..][0..4], w, .big);
    return out;
}

// ---- Modular exponentiation (zkaot.c) ------------------------------------

extern fn zkvm_modexp(
    base: [*]const u8,
    base_len: usize,
    exp: [*]const u8,
    exp_len: usize,
    modulus: [*]const u8,
    mod_len: usize,
    output: [*]u8,
) c_int;

/// out = base^exp mod modulus (big-endian byte strings, out.len must equal
/// modulus.len), as the EVM MODEXP precompile.
pub fn modexp(base: []const u8, exp: []const u8, modulus: []const u8, out: []u8) error{ OutOfMemory, LengthMismatch }!void {
    if (out.len != modulus.len) return error.LengthMismatch;
    if (zkvm_modexp(base.ptr, base.len, exp.ptr, exp.len, modulus.ptr, modulus.len, out.ptr) != 0)
        return error.OutOfMemory;
}

// ---- The other accelerators (zkaot.c: accel_ec.c, accel_pairing.c, accel_bls.c, accel_hash.c) ----
// Thin wrappers over the C functions of zkvm_accelerators.h (docs/accelerators.md),
// which take 8-byte aligned values: the arguments are copied into aligned locals.

extern fn zkvm_secp256k1_ecrecover(msg: *const [32]u8, sig: *const [64]u8, recid: u8, out: *[64]u8) c_int;
extern fn zkvm_secp256k1_verify(msg: *const [32]u8, sig: *const [64]u8, key: *const [64]u8, ok: *bool) c_int;
extern fn zkvm_secp256r1_verify(msg: *const [32]u8, sig: *const [64]u8, key: *const [64]u8, ok: *bool) c_int;
extern fn zkvm_bn254_g1_add(p1: *const [64]u8, p2: *const [64]u8, out: *[64]u8) c_int;
extern fn zkvm_bn254_g1_mul(p: *const [64]u8, k: *const [32]u8, out: *[64]u8) c_int;
extern fn zkvm_bn254_pairing(pairs: [*]const [192]u8, n: usize, ok: *bool) c_int;
extern fn zkvm_bls12_g1_add(p1: *const [96]u8, p2: *const [96]u8, out: *[96]u8) c_int;
extern fn zkvm_bls12_g1_msm(pairs: [*]const [128]u8, n: usize, out: *[96]u8) c_int;
extern fn zkvm_bls12_g2_add(p1: *const [192]u8, p2: *const [192]u8, out: *[192]u8) c_int;
extern fn zkvm_bls12_g2_msm(pairs: [*]const [224]u8, n: usize, out: *[192]u8) c_int;
extern fn zkvm_bls12_pairing(pairs: [*]const [288]u8, n: usize, ok: *bool) c_int;
extern fn zkvm_kzg_point_eval(c: *const [48]u8, z: *const [32]u8, y: *const [32]u8, pi: *const [48]u8, ok: *bool) c_int;
extern fn zkvm_bls12_map_fp_to_g1(u: *const [48]u8, out: *[96]u8) c_int;
extern fn zkvm_bls12_map_fp2_to_g2(u: *const [96]u8, out: *[192]u8) c_int;
extern fn zkvm_ripemd160(data: [*]const u8, len: usize, out: *[32]u8) c_int;
extern fn zkvm_blake2f(rounds: u32, h: *[64]u8, m: *const [128]u8, t: *const [16]u8, f: u8) c_int;

/// The public key (x || y, big-endian) that signed the 32-byte hash `msg` with
/// sig = r || s and the y parity `recid` (0 or 1): the EVM's ecrecover.
pub fn ecrecover(msg: [32]u8, sig: [64]u8, recid: u8) error{InvalidSignature}![64]u8 {
    const m: [32]u8 align(8) = msg;
    const s: [64]u8 align(8) = sig;
    var out: [64]u8 align(8) = undefined;
    if (zkvm_secp256k1_ecrecover(&m, &s, recid, &out) != 0) return error.InvalidSignature;
    return out;
}

/// ECDSA verification on secp256k1 (key = x || y, big-endian).
pub fn secp256k1Verify(msg: [32]u8, sig: [64]u8, key: [64]u8) bool {
    const m: [32]u8 align(8) = msg;
    const s: [64]u8 align(8) = sig;
    const k: [64]u8 align(8) = key;
    var ok: bool = false;
    _ = zkvm_secp256k1_verify(&m, &s, &k, &ok);
    return ok;
}

/// ECDSA verification on P-256 (EIP-7951).
pub fn secp256r1Verify(msg: [32]u8, sig: [64]u8, key: [64]u8) bool {
    const m: [32]u8 align(8) = msg;
    const s: [64]u8 align(8) = sig;
    const k: [64]u8 align(8) = key;
    var ok: bool = false;
    _ = zkvm_secp256r1_verify(&m, &s, &k, &ok);
    return ok;
}

/// BN254 G1 addition (EIP-196; points x || y, big-endian, infinity all zero).
pub fn bn254G1Add(p1: [64]u8, p2: [64]u8) error{InvalidPoint}![64]u8 {
    const a: [64]u8 align(8) = p1;
    const b: [64]u8 align(8) = p2;
    var out: [64]u8 align(8) = undefined;
    if (zkvm_bn254_g1_add(&a, &b, &out) != 0) return error.InvalidPoint;
    return out;
}

/// BN254 G1 scalar multiplication (EIP-196).
pub fn bn254G1Mul(p: [64]u8, k: [32]u8) error{InvalidPoint}![64]u8 {
    const a: [64]u8 align(8) = p;
    const s: [32]u8 align(8) = k;
    var out: [64]u8 align(8) = undefined;
    if (zkvm_bn254_g1_mul(&a, &s, &out) != 0) return error.InvalidPoint;
    return out;
}

/// The BN254 pairing check of EIP-197 on (G1 || G2) pairs: whether the product is 1.
pub fn bn254Pairing(pairs: []align(8) const [192]u8) error{InvalidPoint}!bool {
    var ok: bool = false;
    if (zkvm_bn254_pairing(pairs.ptr, pairs.len, &ok) != 0) return error.InvalidPoint;
    return ok;
}

/// BLS12-381 G1 addition (EIP-2537; 48-byte big-endian coordinates).
pub fn bls12G1Add(p1: [96]u8, p2: [96]u8) error{InvalidPoint}![96]u8 {
    const a: [96]u8 align(8) = p1;
    const b: [96]u8 align(8) = p2;
    var out: [96]u8 align(8) = undefined;
    if (zkvm_bls12_g1_add(&a, &b, &out) != 0) return error.InvalidPoint;
    return out;
}

/// BLS12-381 G1 multi-scalar multiplication on (point || 32-byte scalar) pairs.
pub fn bls12G1Msm(pairs: []align(8) const [128]u8) error{InvalidPoint}![96]u8 {
    var out: [96]u8 align(8) = undefined;
    if (zkvm_bls12_g1_msm(pairs.ptr, pairs.len, &out) != 0) return error.InvalidPoint;
    return out;
}

/// BLS12-381 G2 addition (EIP-2537; x0 || x1 || y0 || y1, 48-byte big-endian).
pub fn bls12G2Add(p1: [192]u8, p2: [192]u8) error{InvalidPoint}![192]u8 {
    const a: [192]u8 align(8) = p1;
    const b: [192]u8 align(8) = p2;
    var out: [192]u8 align(8) = undefined;
    if (zkvm_bls12_g2_add(&a, &b, &out) != 0) return error.InvalidPoint;
    return out;
}

/// BLS12-381 G2 multi-scalar multiplication on (point || 32-byte scalar) pairs.
pub fn bls12G2Msm(pairs: []align(8) const [224]u8) error{InvalidPoint}![192]u8 {
    var out: [192]u8 align(8) = undefined;
    if (zkvm_bls12_g2_msm(pairs.ptr, pairs.len, &out) != 0) return error.InvalidPoint;
    return out;
}

/// The BLS12-381 pairing check of EIP-2537 on (G1 || G2) pairs.
pub fn bls12Pairing(pairs: []align(8) const [288]u8) error{InvalidPoint}!bool {
    var ok: bool = false;
    if (zkvm_bls12_pairing(pairs.ptr, pairs.len, &ok) != 0) return error.InvalidPoint;
    return ok;
}

/// KZG point evaluation (EIP-4844): whether proof opens commitment to y at z.
pub fn kzgPointEval(commitment: [48]u8, z: [32]u8, y: [32]u8, proof: [48]u8) error{InvalidInput}!bool {
    const c: [48]u8 align(8) = commitment;
    const zz: [32]u8 align(8) = z;
    const yy: [32]u8 align(8) = y;
    const pi: [48]u8 align(8) = proof;
    var ok: bool = false;
    if (zkvm_kzg_point_eval(&c, &zz, &yy, &pi, &ok) != 0) return error.InvalidInput;
    return ok;
}

/// EIP-2537 MAP_FP_TO_G1 (a 48-byte big-endian element below p).
pub fn bls12MapFpToG1(u: [48]u8) error{InvalidInput}![96]u8 {
    const e: [48]u8 align(8) = u;
    var out: [96]u8 align(8) = undefined;
    if (zkvm_bls12_map_fp_to_g1(&e, &out) != 0) return error.InvalidInput;
    return out;
}

/// EIP-2537 MAP_FP2_TO_G2 (c0 || c1, 48-byte big-endian each).
pub fn bls12MapFp2ToG2(u: [96]u8) error{InvalidInput}![192]u8 {
    const e: [96]u8 align(8) = u;
    var out: [192]u8 align(8) = undefined;
    if (zkvm_bls12_map_fp2_to_g2(&e, &out) != 0) return error.InvalidInput;
    return out;
}

/// RIPEMD-160 (the 20-byte digest).
pub fn ripemd160(data: []const u8) [20]u8 {
    var out: [32]u8 align(8) = undefined;
    _ = zkvm_ripemd160(data.ptr, data.len, &out);
    return out[12..32].*;
}

/// The BLAKE2b compression F of EIP-152 on the state h, in place.
pub fn blake2f(rounds: u32, h: *align(8) [64]u8, m: [128]u8, t: [16]u8, f: u8) error{InvalidFlag}!void {
    const mm: [128]u8 align(8) = m;
    const tt: [16]u8 align(8) = t;
    if (zkvm_blake2f(rounds, h, &mm, &tt, f) != 0) return error.InvalidFlag;
}
