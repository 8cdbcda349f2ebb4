/* The Lua benchmark guest: Lua 5.4's library (from Debian's lua5.4 source,
 * fetched and built by bench/large_programs.py) running the script given as
 * input.  Only the libraries that need no operating system are opened (base,
 * coroutine, table, string, math, utf8): the same on every platform. */
#include <stdio.h>

#include "bench_io.h"
#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base},          {LUA_COLIBNAME, luaopen_coroutine},
    {LUA_TABLIBNAME, luaopen_table},    {LUA_STRLIBNAME, luaopen_string},
    {LUA_MATHLIBNAME, luaopen_math},    {LUA_UTF8LIBNAME, luaopen_utf8},
    {NULL, NULL}};

int main(int argc, char **argv) {
  size_t len;
  const char *script = bench_input(argc, argv, &len);
  lua_State *L = luaL_newstate();
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  int status = luaL_loadbuffer(L, script, len, "=workload") || lua_pcall(L, 0, 0, 0);
  if (status)
    fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
  lua_close(L);
  fflush(stdout);
  return status ? 1 : 0;
}
