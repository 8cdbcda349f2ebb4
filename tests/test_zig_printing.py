"""Zig guests print with std.debug.print and std.log through the zkaot module's std.Io (fd 2)."""
import pytest

from translator.elf import load_elf
from translator.interpreter import Interpreter

GUEST = """
const std = @import("std");
const zk = @import("zkaot");
pub const std_options_debug_io = zk.debug_io;
pub const std_options = zk.std_options;
export fn main() c_int {
    std.debug.print("hello {d} {s} {x}\\n", .{ 42, "zig", 255 });
    std.log.info("logged {d}", .{7});
    std.log.scoped(.net).warn("scoped {}", .{true});
    std.log.debug("not shown: below the default level {d}", .{1});
    return 0;
}
"""


@pytest.mark.parametrize("arch", ["rv64im", "rv32im"])
def test_std_debug_print_and_std_log_write_to_the_console(arch, tmp_path):
    pytest.importorskip("ziglang")
    from zkaot.build import build
    (tmp_path / "main.zig").write_text(GUEST)
    build([tmp_path / "main.zig"], tmp_path / "guest.elf", arch=arch, opt="-Os")
    printed = []
    result = Interpreter(load_elf(tmp_path / "guest.elf"), on_console=lambda fd, data: printed.append((fd, data))).run()
    assert result.exit_code == 0
    assert b"".join(data for _, data in printed) == b"hello 42 zig ff\ninfo: logged 7\nwarning(net): scoped true\n"
    assert {fd for fd, _ in printed} == {2}
