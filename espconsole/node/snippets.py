"""Every piece of Lua the host sends to a node: the resident helper and the one-line commands that call it.

The helper is a global table `_EC` installed per boot, in groups, on demand (`HELPER_GROUPS`,
sent by `install_pieces` as checksummed pieces, every REPL line ≤ 200 bytes); once a client
has had to install it after a second reboot it also keeps a self-checking copy in SPIFFS
(`HELPER_COPY`), which later boots load with one line (`load_copy`).  It uses only APIs of the default NodeMCU
module set (file, node, tmr, uart) and plain Lua 5.1, so the same code runs on real firmware
without `encoder` or `crypto`.  Every reply it makes is a *record* written raw with
`uart.write` (never translated, never echoed)::

    0x02 TAG NONCE ":" LENGTH ":" DATA 0x03

TAG is one letter, NONCE the host's per-command token.  A record cannot appear in the REPL's
echo of a command, because the host only ever sends printable ASCII in command lines.

Tags: S sync, H helper batch done, R receiver ready, D transfer done, F failed, A aborted,
B exec begins, K exec ok, E Lua error, I info, L listing, C file checksum, T download start,
Z last transfer status, P raw result of a one-line call.

Frames (framing.py) are handled by `_EC.k`, the `uart.on("data", "\\255", _EC.k, 0)`
callback: checks END, unescapes with one `gsub`, verifies LEN and Fletcher-16 computed from
the plain sums of one loop (`_EC.s`), writes the payload only when SEQ is the expected one,
keeps a running Adler-32 of the file, and answers 0x06 SEQ 0x17 (ACK) or 0x15 EXPECTED 0x17
(NAK).  A timer (`_EC.dog`, once a second) aborts after `w` silent seconds and restores the REPL.
"""

from __future__ import annotations

HELPER_VERSION = "2"
HELPER_TABLE = "_EC"
TEMP_NAME = "~up.tmp"
MAX_LINE = 200
DOWNLOAD_CHUNK = 240
FRAMES_PER_TASK = 16

# The helper, in groups installed on demand.  Each group is Lua source sent as a verified blob
# (see `install_pieces`); the last statement of each group records the group letter in _EC.G.
HELPER_GROUPS: dict[str, str] = {
    # b: the table (version, installed groups, escape maps, temp name), record writer, sums,
    #    status of the last transfer, check of a command's arguments (ck: their joined text
    #    against its sums; false and an F record "damaged command" if a byte changed on the wire)
    "b": r'''
_EC={v="@VERSION@",G="",T="@TEMP@",o={},
 U={["\1"]="\254",["\2"]="\255",["\3"]="\n",["\4"]="\r"},
 E={["\254"]="\254\1",["\255"]="\254\2",["\n"]="\254\3",["\r"]="\254\4"}}
function _EC.r(t,n,s) s=s or "" uart.write(0,"\2"..t..n..":"..#s..":"..s.."\3") end
function _EC.s(d,i,j) local t,a,b={d:byte(i,j)},0,0
 for k=1,#t do a=a+t[k] b=b+a end return a,b end
function _EC.st(n) _EC.r("Z",n,_EC.last or "") end
function _EC.ck(n,s,ka,kb) local a,b=_EC.s(s,1,-1)
 if a%65521==ka and b%65521==kb then return true end _EC.r("F",n,"damaged command") end
''',
    # u: the frame receiver.  rx arms it (f target, "" = into memory; z size; A B Adler
    #    halves; n nonce; w watchdog seconds; ka kb sums of the arguments, so a command line
    #    damaged on the wire is refused instead of writing the wrong file)
    "u": r'''
function _EC.rx(f,z,A,B,n,w,ka,kb) local R=_EC
 local a,b=R.s(f..":"..z..":"..A..":"..B..":"..n..":"..w,1,-1)
 if a%65521~=ka or b%65521~=kb then return R.r("F",n,"damaged command") end
 if f~="" then file.remove(R.T) R.fd=file.open(R.T,"w")
  if not R.fd then return R.r("F",n,"cannot create "..R.T) end end
 R.f,R.z,R.A,R.B,R.n,R.w=f,z,A,B,n,w R.q,R.c,R.a,R.b,R.o,R.g,R.j=0,0,1,0,{},0,0
 R.t=tmr.create() R.t:alarm(1000,tmr.ALARM_AUTO,R.dog)
 uart.on("data","\255",R.k,0) R.r("R",n) end
function _EC.k(d) local R=_EC local m=#d R.g=1
 if d:byte(m)~=255 then return uart.write(0,21,R.q,23) end
 if m<2 then return end
 d=d:sub(1,m-1):gsub("\254(.)",R.U) m=#d
 local q,l=d:byte(1,2)
 if m<4 or (l~=m-4 and l~=255) then return uart.write(0,21,R.q,23) end
 local a,b=R.s(d,3,m-2) local x,y=d:byte(m-1,m) local h=q+l
 if (h+a)%255~=x or (h+q+(m-4)*h+b)%255~=y then return uart.write(0,21,R.q,23) end
 if l==255 then return R.fin("A","aborted by the host") end
 if q~=R.q then local o=(R.q-q)%256<9
  return uart.write(0,o and 6 or 21,o and q or R.q,23) end
 if l==0 then return R.fin("D") end
 local p=d:sub(3,m-2)
 if not R.fd then R.o[#R.o+1]=p
 elseif not R.fd:write(p) then return R.fin("F","write failed (file system full?)") end
 R.b=(R.b+l*R.a+b)%65521 R.a=(R.a+a)%65521 R.c=R.c+l R.q=(q+1)%256
 uart.write(0,6,q,23) end
function _EC.dog() local R=_EC
 if R.g>0 then R.g,R.j=0,0 else R.j=R.j+1
  if R.j>=R.w then R.fin("A","no data for "..R.w.." s") end end end
function _EC.fin(t,e) local R=_EC uart.on("data")
 if R.t then R.t:unregister() R.t=nil end
 if R.fd then R.fd:close() R.fd=nil end
 if t=="D" and (R.c~=R.z or R.a~=R.A or R.b~=R.B) then t,e="F","whole-file checksum mismatch" end
 if t=="D" and R.f~="" then file.remove(R.f)
  if not file.rename(R.T,R.f) then t,e="F","cannot rename "..R.T.." to "..R.f end end
 if t~="D" and R.f~="" then file.remove(R.T) end
 if t=="D" and R.f=="" then R.code=table.concat(R.o) end
 R.o={} e=e or (R.c.." "..R.a.." "..R.b) R.last=t..R.n..":"..e R.r(t,R.n,e) end
''',
    # x: exec (c = code, or nil for the chunk just received into memory) under xpcall
    "x": r'''
function _EC.x(n,c) local R=_EC R.xn=n if not c then c,R.code=R.code,nil end
 if not c then return R.r("F",n,"no code received") end
 local f,e=loadstring(c,"=stdin") R.r("B",n)
 if not f then return R.r("E",n,e) end
 R.p(n,xpcall(f,debug.traceback)) end
function _EC.p(n,ok,...)
 if not ok then return _EC.r("E",n,tostring((...))) end
 if select("#",...)>0 then print(...) end _EC.r("K",n) end
''',
    # i: the info probe, key=value lines; absent APIs are left out
    "i": r'''
function _EC.i(n) local t={}
 local function a(k,v) if v~=nil then t[#t+1]=k.."="..tostring(v) end end
 a("heap",node.heap()) a("chipid",node.chipid and node.chipid())
 local ok,r,u,z=pcall(file.fsinfo)
 if ok then a("fs.remaining",r) a("fs.used",u) a("fs.total",z) end
 for _,g in ipairs({"hw","sw_version","build_config","lfs"}) do
  local ok,v=pcall(node.info,g)
  if ok and type(v)=="table" then for k,x in pairs(v) do a(g.."."..k,x) end end end
 if node.getpartitiontable then
  for k,x in pairs(node.getpartitiontable()) do a("pt."..k,x) end end
 local L=node.LFS
 if L then a("lfs.time",L.time) local l=L.list() if l then a("lfs.modules",table.concat(l,",")) end end
 for _,m in ipairs({"encoder","crypto","sjson","wifi","net"}) do a("mod."..m,_G[m]~=nil) end
 _EC.r("I",n,table.concat(t,"\n")) end
''',
    # l: listing, "remaining used total" then NUL-separated name/size pairs
    "l": r'''
function _EC.l(n) local t={}
 for k,v in pairs(file.list()) do t[#t+1]=k.."\0"..v end
 local r,u,z=file.fsinfo()
 _EC.r("L",n,r.." "..u.." "..z.."\0"..table.concat(t,"\0")) end
''',
    # h: whole-file Adler-32 of a node file, "size A B" (ka kb: sums of "n:f")
    "h": r'''
function _EC.h(n,f,ka,kb) local R,A,B,c=_EC,1,0,0
 if not R.ck(n,n..":"..f,ka,kb) then return end local fd=file.open(f,"r")
 if not fd then return R.r("F",n,"no such file: "..f) end
 while true do local d=fd:read(@CHUNK@) if not d then break end
  local a,b=R.s(d,1,-1) local l=#d B=(B+l*A+b)%65521 A=(A+a)%65521 c=c+l tmr.wdclr() end
 fd:close() R.r("C",n,c.." "..A.." "..B) end
''',
    # d: download sender, frames i .. i+c-1 of file f, a few per task so the SDK keeps running
    #    (ka kb: sums of "n:f:i:c"); the T record carries the size twice, so the host can
    #    tell a damaged one
    "d": r'''
function _EC.tx(n,f,i,c,ka,kb) local R=_EC
 if not R.ck(n,n..":"..f..":"..i..":"..c,ka,kb) then return end local fd=file.open(f,"r")
 if not fd then return R.r("F",n,"no such file: "..f) end
 local z=tostring(fd:seek("end")) R.r("T",n,z.." "..z) fd:seek("set",i*@CHUNK@)
 local function st()
  for _=1,@PER_TASK@ do local d=c>0 and fd:read(@CHUNK@)
   if not d then fd:close() return R.r("D",n) end
   local a,b=R.s(d,1,-1) local q,l=i%256,#d local h=q+l
   uart.write(0,(string.char(q,l)..d..string.char((h+a)%255,(h+q+l*h+b)%255)):gsub("[\254\255\n\r]",R.E),"\255")
   i,c=i+1,c-1 end
  node.task.post(0,st) end
 st() end
''',
}


def lua_string(data: bytes | str) -> str:
    """A Lua string literal made of printable ASCII only (so its echo is harmless)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = ['"']
    for byte in data:
        if byte == 0x22:
            out.append('\\"')
        elif byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    out.append('"')
    return "".join(out)


def lua_number(value: int) -> str:
    return str(int(value))


def _call(function: str, *args: str) -> str:
    return f"{HELPER_TABLE}.{function}({','.join(args)})"


def group_source(groups: str) -> bytes:
    """The Lua source of helper groups (one or several letters, installed as one chunk), each
    ending with the statement that records it."""
    return b"".join(_one_group_source(group) for group in groups)


def _one_group_source(group: str) -> bytes:
    text = (HELPER_GROUPS[group].strip("\n").replace("@VERSION@", HELPER_VERSION)
            .replace("@TEMP@", TEMP_NAME).replace("@CHUNK@", str(DOWNLOAD_CHUNK))
            .replace("@PER_TASK@", str(FRAMES_PER_TASK)))
    return (text + f'\n{HELPER_TABLE}.G={HELPER_TABLE}.G.."{group}"\n').encode("ascii")


def plain_sums(data: bytes) -> tuple[int, int]:
    """(Σ bytes, Σ running sums) mod 65521: the check the node's loader and rx compute."""
    a = b = 0
    for byte in data:
        a += byte
        b += a
    return a % 65521, b % 65521


def piece_sum(data: bytes) -> int:
    """The per-piece check of the installer: Σ byte·7^k mod 65521 (catches any one damaged byte)."""
    value = 0
    for byte in data:
        value = (value * 7 + byte) % 65521
    return value


INSTALL_PRELUDE = ("_ECB={} function _ECP(i,s,k) local a=0 for j=1,#s do a=(a*7+s:byte(j))%65521 end "
                   "if a==k then _ECB[i]=s end end")


def install_pieces(group: str) -> list[str]:
    """REPL lines that each deposit one checked piece of a group's source in `_ECB` (a damaged
    line deposits nothing, and the loader names the pieces it lacks)."""
    source = group_source(group)
    lines: list[str] = []
    start = 0
    while start < len(source):
        end = start + 1
        while end < len(source):
            candidate = f"_ECP({len(lines) + 1},{lua_string(source[start:end + 1])},65520)"
            if len(candidate) > MAX_LINE:
                break
            end += 1
        piece = source[start:end]
        lines.append(f"_ECP({len(lines) + 1},{lua_string(piece)},{piece_sum(piece)})")
        start = end
    return lines


def install_loader(group: str, count: int, nonce: str) -> str:
    """Runs the group when all pieces are there and the whole passes its sums; writes an H
    record: "1" loaded, "0" refused, or "m" followed by the missing piece numbers."""
    source = group_source(group)
    a, b = plain_sums(source)
    return f"_ECI('{nonce}',{count},'{len(source)}:{a}:{b}')"


# _ECV(source, "length:A:B") runs a source that matches; _ECI reports missing pieces or that.
INSTALL_CHECKER = [
    "function _ECV(s,e) local a,b=0,0 for i=1,#s do a=a+s:byte(i) b=(b+a)%65521 end "
    "if #s..':'..a%65521 ..':'..b~=e then return '0' end loadstring(s)() _ECB=nil return '1' end",
    "function _ECI(n,c,e) local m,s={} for i=1,c do if not _ECB[i] then m[#m+1]=i end end "
    "s=#m>0 and 'm'..table.concat(m,',') or _ECV(table.concat(_ECB),e) "
    "uart.write(0,'\\2H'..n..':'..#s..':'..s..'\\3') end",
]


# The helper's copy in SPIFFS: every group, loaded with one line after a reboot (`load_copy`)
# instead of being installed again line by line.  The file checks itself: its header sums the
# rest of the file and returns before running any of it when a byte differs; the last line
# records the sums of the source in _EC.cs, so the host can tell the copy holds its helper.
HELPER_COPY = "~ec.lua"
ALL_GROUPS = "".join(HELPER_GROUPS)
_COPY_HEADER = ('local f,n,a,b,d=file.open("@NAME@","r"),0,0,0\n'
                'if not f then return end f:seek("set",@SKIP@)\n'
                'while true do d=f:read(@CHUNK@) if not d then break end n=n+#d\n'
                ' for i=1,#d do a=a+d:byte(i) b=(b+a)%65521 end tmr.wdclr() end\n'
                'f:close() if n..":"..a%65521 ..":"..b~="@SUMS@" then return end\n')


def helper_copy() -> bytes:
    """The contents of `HELPER_COPY`: the self-checking header, every group, the identity line."""
    body = group_source(ALL_GROUPS) + f'{HELPER_TABLE}.cs="{copy_identity()}"\n'.encode("ascii")
    a, b = plain_sums(body)
    header = (_COPY_HEADER.replace("@NAME@", HELPER_COPY).replace("@CHUNK@", str(DOWNLOAD_CHUNK))
              .replace("@SUMS@", f"{len(body)}:{a}:{b}"))
    skip = len(header.replace("@SKIP@", "00000"))
    return header.replace("@SKIP@", f"{skip:05d}").encode("ascii") + body


def copy_identity() -> str:
    """What a loaded copy leaves in _EC.cs: the sums of the helper source it holds."""
    a, b = plain_sums(group_source(ALL_GROUPS))
    return f"{a}:{b}"


def load_copy(nonce: str) -> str:
    """Run the helper's copy; an S record reports "version:groups:identity" of the helper now
    present, "-" if none (no copy, or it refused to run)."""
    t = HELPER_TABLE
    return (f'pcall(dofile,"{HELPER_COPY}") local s={t} and {t}.v..":"..{t}.G..":"..tostring({t}.cs) or "-" '
            f'uart.write(0,"\\2S{nonce}:"..#s..":"..s.."\\3")')


def sync_probe(nonce: str) -> str:
    """Reports "version:groups" of the helper present (or "-") in an S record; needs no helper."""
    t = HELPER_TABLE
    return (f'local s={t} and {t}.v..":"..{t}.G or "-" '
            f'uart.write(0,"\\2S{nonce}:"..#s..":"..s.."\\3")')


def batch_probe(nonce: str) -> str:
    """The shortest line whose S record says the REPL has run the lines sent before it."""
    return f'uart.write(0,"\\2S{nonce}:0:\\3")'


def bare_query(nonce: str, expression: str) -> str:
    """tostring() of an expression in a P record (E: it raised), without the helper."""
    return (f"local o,s=pcall(function() return {expression} end) s=tostring(s) "
            f'uart.write(0,"\\2"..(o and "P" or "E").."{nonce}:"..#s..":"..s.."\\3")')


def bare_run(nonce: str, body: str) -> str:
    """Run a function body without the helper; if it returns (code meant to reboot the node
    did not), its first value comes in a P record, a Lua error in an E record."""
    return (f"local o,s=pcall(function() {body} end)s=tostring(s)"
            f"uart.write(0,'\\2'..(o and'P'or'E')..'{nonce}:'..#s..':'..s..'\\3')")


def lfs_state(nonce: str) -> str:
    """"LFS-partition-size time modules" (time empty: no node.LFS), without the helper; needs
    node.getpartitiontable (NodeMCU 3), as LFS deploys do."""
    return ("local L=node.LFS local l=L and L.list()local s=node.getpartitiontable().lfs_size.."
            "' '..(L and L.time or'')..' '..(l and table.concat(l,',')or'')"
            f"uart.write(0,'\\2P{nonce}:'..#s..':'..s..'\\3')")


def file_size(expression_name: str) -> str:
    """Expression: the size of a SPIFFS file, nil when absent."""
    return f"file.list()[{lua_string(expression_name)}]"


# A line that turns any pending multi-line chunk (open block, long string or long comment of
# level 0-4) into a hard syntax error, so the REPL discards it.
CHUNK_BREAKER = "]]]=]]==]]===]]====]"


def arm_receiver(target: str, size: int, adler: tuple[int, int], nonce: str, watchdog: int) -> str:
    """Arm `_EC.rx`; the last two arguments let the node check the others arrived intact."""
    signed = f"{target}:{int(size)}:{adler[0]}:{adler[1]}:{nonce}:{int(watchdog)}"
    ka, kb = plain_sums(signed.encode("utf-8"))
    return _call("rx", lua_string(target), lua_number(size), lua_number(adler[0]),
                 lua_number(adler[1]), lua_string(nonce), lua_number(watchdog),
                 lua_number(ka), lua_number(kb))


def transfer_status(nonce: str) -> str:
    return _call("st", lua_string(nonce))


def exec_code(nonce: str, code: bytes | None) -> str:
    """Run `code` (None: the chunk just uploaded into memory)."""
    if code is None:
        return _call("x", lua_string(nonce))
    return _call("x", lua_string(nonce), lua_string(code))


def info_probe(nonce: str) -> str:
    return _call("i", lua_string(nonce))


def list_files(nonce: str) -> str:
    return _call("l", lua_string(nonce))


def _signed(*fields: str | int) -> list[str]:
    """The two check arguments (`_EC.ck`) of a command whose arguments join to `fields`."""
    ka, kb = plain_sums(":".join(str(field) for field in fields).encode("utf-8"))
    return [lua_number(ka), lua_number(kb)]


def file_checksum(nonce: str, name: str) -> str:
    return _call("h", lua_string(nonce), lua_string(name), *_signed(nonce, name))


def download(nonce: str, name: str, first: int, count: int) -> str:
    return _call("tx", lua_string(nonce), lua_string(name), lua_number(first), lua_number(count),
                 *_signed(nonce, name, int(first), int(count)))


def last_exec(nonce: str) -> str:
    """Reports the nonce of the last exec that started (to tell a lost line from a lost reply)."""
    return call_and_report(nonce, f"{HELPER_TABLE}.xn")


def call_and_report(nonce: str, expression: str) -> str:
    """Evaluate a Lua expression and report tostring() of its first value in a P record."""
    return f'{HELPER_TABLE}.r("P",{lua_string(nonce)},tostring(({expression})))'


def remove_file(name: str) -> str:
    return f"file.remove({lua_string(name)}) return not file.exists({lua_string(name)})"


def rename_file(old: str, new: str) -> str:
    return f"return file.rename({lua_string(old)},{lua_string(new)})"


def lfs_reload(name: str) -> str:
    """node.LFS.reload returns an error string on failure and reboots on success."""
    quoted = lua_string(name)
    return f"local L=node.LFS return tostring(L and L.reload({quoted}) or node.flashreload({quoted}))"


def set_partition_table(values: dict[str, int]) -> str:
    fields = ",".join(f"{key}={int(value)}" for key, value in sorted(values.items()))
    return f"node.setpartitiontable({{{fields}}})"


def restart() -> str:
    return "node.restart()"


def set_baud_later(nonce: str, baud: int, delay_ms: int) -> str:
    """Confirm at the current rate (a W record), then switch the node's UART `delay_ms` later;
    the echo setting (6th argument of uart.setup) is left as it is."""
    return (f"tmr.create():alarm({int(delay_ms)},0,function() uart.setup(0,{int(baud)},8,0,1) end) "
            f'uart.write(0,"\\2W{nonce}:0:\\3")')


def set_echo(baud: int, echo: bool) -> str:
    return f"uart.setup(0,{int(baud)},8,0,1,{1 if echo else 0})"
