"""The `net` module: TCP client and server sockets over real loopback sockets, UDP stubs, `net.dns`; counterpart of app/modules/net.c.

Addresses as the node sees them: 127.0.0.1 and every address of the station's subnet reach
the host's 127.0.0.1 (the host plays every LAN peer), so a script fetching from
`http://192.168.1.1:8000/` talks to a server the host runs on 127.0.0.1:8000.  Other
addresses are not routed: the connection attempt is abandoned after `UNROUTED_TIMEOUT` with
lwIP's ERR_ABRT.  Before the station has an address only 127.0.0.1 works (lwIP finds no route
and, as the firmware ignores that error, nothing happens).  Connections the host makes to a
node server appear to come from `profile.host_ip`.

A server `listen(port)` binds 127.0.0.1:port, or a free port when that one is privileged or
taken; `board.port_map` {node port: host port} tells host tools where to connect, and
`board.on_port_mapped(node_port, host_port)` (if set) is told as it happens.

As in the firmware, socket callbacks are plain `lua_call`s from the network stack: an error in
one is an unprotected error (PANIC, then the watchdog resets the chip).
"""

from __future__ import annotations

from vm.nodemcu import netstack
from vm.nodemcu.modules.support import error, lua_function, module_table, new_class
from vm.nodemcu.scheduler import HIGH
from vm.nodemcu.wifi_station import ip_to_int
from vm.runtime.table import Table
from vm.runtime.values import Userdata, is_function
from vm.stdlib.auxlib import arg_error, check_int, check_string, opt_int

TCP, UDP = 1, 2
TCP_SND_BUF = 2 * netstack.MSS         # what lwIP accepts before the peer has acknowledged
UNROUTED_TIMEOUT = 20.0                # SYN retries before lwIP gives up [U]
ERR_MEM, ERR_ABRT = -1, -8
LOOPBACK_INT = ip_to_int(netstack.LOOPBACK)


class Sock:
    """The payload of a net.tcpserver / net.tcpsocket / net.udpsocket userdata."""

    def __init__(self, kind: str):
        self.kind = kind               # "server", "client" or "udp"
        self.callbacks: dict[bytes, object] = {}
        self.pcb = None                # a netstack Conn/Listener, or True while unrouted
        self.userdata = None
        self.unacked = 0
        self.peer: tuple[str, int] | None = None
        self.local_port = 0
        self.node_port = 0
        self.timeout = 30
        self.hold = False


def open(board, lua) -> Table:  # noqa: A001
    stack = netstack.NetStack(board.host_call)
    live: set = set()                  # sockets the stack references (the firmware's self_ref)
    board.modules["net"] = stack
    board.port_map = {}
    profile = board.profile

    def station():
        return board.modules.get("wifi")

    def node_ip() -> str:
        wifi = station()
        if wifi is None:
            return profile.sta_ip
        return wifi.ip[0] if wifi.ip else "0.0.0.0"

    def routed(address: int) -> bool | None:
        """True: reaches the host's loopback; False: leaves the subnet; None: no route."""
        if address >> 24 == 127:
            return True
        wifi = station()
        if wifi is not None and wifi.ip is None:
            return None
        if wifi is None or wifi.in_subnet(address):
            return True
        return False

    def call(fn, *args) -> None:
        if fn is not None:
            board.call_unprotected(fn, *args)

    def make(kind: str, meta: Table) -> Userdata:
        sock = Sock(kind)
        sock.userdata = Userdata(sock, meta)
        return sock.userdata

    def get(args, allowed: tuple) -> Sock:
        value = args[0] if args else None
        if type(value) is not Userdata or not isinstance(value.payload, Sock):
            error(b"invalid user data")
        sock = value.payload
        if sock.kind not in allowed:
            error(b"invalid user data")
        return sock

    def release(sock: Sock) -> None:
        sock.pcb = None
        live.discard(sock)

    def drop(sock: Sock, err: int) -> None:
        """net_err_cb: the connection is gone (not by the node's close)."""
        if sock.pcb is None:
            return
        release(sock)
        fn = sock.callbacks.get(b"reconnection") if err != 0 else None
        call(fn or sock.callbacks.get(b"disconnection"), sock.userdata, float(err))

    def client_handler(sock: Sock, conn):
        def handle(kind, *values):
            if sock.pcb is not conn:
                return
            if kind == "connected":
                sock.local_port = conn.local[1]
                call(sock.callbacks.get(b"connection"), sock.userdata)
            elif kind == "data":
                data = values[0]
                fn = sock.callbacks.get(b"receive")
                if fn is not None:
                    call(fn, sock.userdata, data)
            elif kind == "sent":
                sock.unacked = 0
                call(sock.callbacks.get(b"sent"), sock.userdata)
            elif kind == "closed":
                drop(sock, values[0])
        return handle

    def resolve_then(sock: Sock, host: bytes, then) -> None:
        """dns_gethostbyname: literals answer at once, names after the current task."""
        text = host.decode("latin-1")
        if ip_to_int(text) is not None:
            then(text)
            return
        address = dict(profile.dns_hosts).get(text.lower())
        board.scheduler.post(HIGH, lambda: then(address))

    # -- net.tcpsocket ---------------------------------------------------------------------------

    def start_connect(sock: Sock, port: int, address: str | None) -> None:
        dns_fn = sock.callbacks.get(b"dns")
        if dns_fn is not None:
            call(dns_fn, sock.userdata, address.encode() if address else None)
        if sock.pcb is not True:             # closed meanwhile
            return
        if address is None:
            release(sock)
            return
        route = routed(ip_to_int(address))
        sock.peer = (address, port)
        if route is None:
            return                           # tcp_connect fails with ERR_RTE; ignored
        if route is False:
            def abandon():
                if sock.pcb is pending:
                    drop(sock, ERR_ABRT)
            pending = sock.pcb = object()
            board.scheduler.arm(UNROUTED_TIMEOUT, abandon)
            return
        conn = stack.connect(port)
        conn.handler = client_handler(sock, conn)
        sock.pcb = conn

    @lua_function("connect")
    def s_connect(*args):
        sock = get(args, ("client",))
        if sock.pcb is not None:
            error(b"already connected")
        port = check_int(args, 1) & 0xFFFF
        if port == 0:
            error(b"specify port")
        host = args[2] if len(args) > 2 and isinstance(args[2], (bytes, float)) else b"127.0.0.1"
        host = check_string((host,), 0)
        if len(args) > 3:
            if not is_function(args[3]):
                arg_error(4, b"not a function")
            sock.callbacks[b"connection"] = args[3]
        sock.pcb = True
        live.add(sock)
        resolve_then(sock, host, lambda address: start_connect(sock, port, address))
        return ()

    @lua_function("on")
    def s_on(*args):
        sock = get(args, ("client", "udp"))
        name = check_string(args, 1)
        names = (b"dns", b"receive", b"sent")
        if sock.kind == "client":
            names += (b"connection", b"disconnection", b"reconnection")
        if name not in names:
            error(b"invalid callback name")
        fn = args[2] if len(args) > 2 else None
        if is_function(fn):
            sock.callbacks[name] = fn
        elif fn is None:
            sock.callbacks.pop(name, None)
        else:
            error(b"invalid callback function")
        return ()

    @lua_function("send")
    def s_send(*args):
        sock = get(args, ("client", "udp"))
        at = 1
        if sock.kind == "udp":
            return udp_send(sock, args)
        data = check_string(args, at)
        if not data:
            error(b"no data to send")
        if len(args) > at + 1 and is_function(args[at + 1]):
            sock.callbacks[b"sent"] = args[at + 1]
        conn = sock.pcb
        if conn is None:
            error(b"not connected")
        if sock.unacked + len(data) > TCP_SND_BUF:
            error(b"out of memory")
        sock.unacked += len(data)
        if isinstance(conn, netstack.Conn):
            stack.send(conn, data)
        return ()

    @lua_function("close")
    def s_close(*args):
        sock = get(args, ("client", "server", "udp"))
        if sock.pcb is None:
            error(b"not connected")
        pcb = sock.pcb
        release(sock)
        if isinstance(pcb, (netstack.Conn, netstack.Listener)):
            stack.close(pcb)
            if isinstance(pcb, netstack.Listener):
                board.port_map.pop(sock.node_port, None)
        return ()

    @lua_function("hold")
    def s_hold(*args):
        sock = get(args, ("client",))
        if isinstance(sock.pcb, netstack.Conn) and not sock.hold:
            sock.hold = True
            stack.set_hold(sock.pcb, True)
        return ()

    @lua_function("unhold")
    def s_unhold(*args):
        sock = get(args, ("client",))
        if isinstance(sock.pcb, netstack.Conn) and sock.hold:
            sock.hold = False
            stack.set_hold(sock.pcb, False)
        return ()

    @lua_function("dns")
    def s_dns(*args):
        sock = get(args, ("client", "udp"))
        host = check_string(args, 1)
        if len(args) > 2 and is_function(args[2]):
            sock.callbacks[b"dns"] = args[2]
        fn = sock.callbacks.get(b"dns")
        if fn is None:
            error(b"no callback specified")
        resolve_then(sock, host, lambda address: call(
            sock.callbacks.get(b"dns"), sock.userdata, address.encode() if address else None))
        return ()

    @lua_function("ttl")
    def s_ttl(*args):
        sock = get(args, ("client", "udp"))
        if sock.pcb is None:
            error(b"socket is not open/bound yet")
        return (float(opt_int(args, 1, 255) if len(args) > 1 else 255),)

    @lua_function("getpeer")
    def s_getpeer(*args):
        sock = get(args, ("client",))
        if sock.pcb is None or sock.peer is None:
            return (None, None)
        return (float(sock.peer[1]), sock.peer[0].encode())

    @lua_function("getaddr")
    def s_getaddr(*args):
        sock = get(args, ("client", "server", "udp"))
        if sock.pcb is None:
            return (None, None)
        if sock.kind == "server":
            return (float(sock.node_port), b"0.0.0.0")
        if not sock.local_port:
            return (None, None)
        return (float(sock.local_port), node_ip().encode())

    # -- net.tcpserver ---------------------------------------------------------------------------

    def accept(server: Sock, conn) -> None:
        fn = server.callbacks.get(b"accept")
        if server.pcb is None or fn is None:
            stack.close(conn)
            return
        sock = Sock("client")
        sock.userdata = Userdata(sock, client_meta)
        sock.pcb = conn
        sock.local_port = server.node_port
        peer = conn.remote[0]
        sock.peer = (profile.host_ip if peer == netstack.LOOPBACK else peer, conn.remote[1])
        live.add(sock)
        conn.handler = client_handler(sock, conn)
        call(fn, sock.userdata)
        if sock.pcb is conn:
            call(sock.callbacks.get(b"connection"), sock.userdata)

    @lua_function("listen")
    def s_listen(*args):
        sock = get(args, ("server", "udp"))
        if sock.pcb is not None:
            error(b"already listening")
        at, port = 1, 0
        if len(args) > at and isinstance(args[at], float):
            port = int(args[at]) & 0xFFFF
            at += 1
        if len(args) > at and isinstance(args[at], bytes):
            if ip_to_int(args[at].decode("latin-1")) is None:
                error(b"invalid IP address")
            at += 1
        if sock.kind == "udp":
            sock.pcb = True
            sock.node_port = port
            live.add(sock)
            return ()
        fn = args[at] if len(args) > at else None
        if not is_function(fn):
            error(b"need callback")
        sock.callbacks[b"accept"] = fn
        try:
            listener = stack.listen(port)
        except OSError:
            error(b"address in use")
        sock.pcb = listener
        sock.node_port = port or listener.port
        live.add(sock)
        listener.handler = lambda kind, conn: accept(sock, conn) if sock.pcb is listener else None
        board.port_map[sock.node_port] = listener.port
        hook = getattr(board, "on_port_mapped", None)
        if hook is not None:
            hook(sock.node_port, listener.port)
        return ()

    # -- net.udpsocket (bound, never receives: the emulated LAN carries no datagrams) ------------

    def udp_send(sock: Sock, args):
        port = check_int(args, 1) & 0xFFFF
        if port == 0:
            error(b"need port")
        host = check_string(args, 2)
        if ip_to_int(host.decode("latin-1")) is None:
            error(b"invalid IP address")
        data = check_string(args, 3)
        if not data:
            error(b"no data to send")
        if len(args) > 4 and is_function(args[4]):
            sock.callbacks[b"sent"] = args[4]
        if sock.pcb is None:
            sock.pcb = True
            live.add(sock)
        call(sock.callbacks.get(b"sent"), sock.userdata)
        return ()

    # -- module ------------------------------------------------------------------------------------

    server_meta = new_class({"listen": s_listen, "getaddr": s_getaddr, "close": s_close},
                            b"net.tcpserver")
    client_meta = new_class({"connect": s_connect, "close": s_close, "on": s_on, "send": s_send,
                             "hold": s_hold, "unhold": s_unhold, "dns": s_dns, "ttl": s_ttl,
                             "getpeer": s_getpeer, "getaddr": s_getaddr}, b"net.tcpsocket")
    udp_meta = new_class({"listen": s_listen, "close": s_close, "on": s_on, "send": s_send,
                          "dns": s_dns, "ttl": s_ttl, "getaddr": s_getaddr}, b"net.udpsocket")

    @lua_function("createServer")
    def create_server(*args):
        ud = make("server", server_meta)
        ud.payload.timeout = opt_int(args, 1, 30) if len(args) > 1 else opt_int(args, 0, 30)
        return (ud,)

    @lua_function("createConnection")
    def create_connection(*args):
        return (make("client", client_meta),)

    @lua_function("createUDPSocket")
    def create_udp(*args):
        return (make("udp", udp_meta),)

    @lua_function("resolve")
    def dns_resolve(*args):
        host = check_string(args, 0)
        fn = args[1] if len(args) > 1 else None
        if not is_function(fn):
            from vm.stdlib.auxlib import type_error  # noqa: PLC0415
            type_error(args, 1, b"function")
        text = host.decode("latin-1")
        if ip_to_int(text) is not None:
            call(fn, None, text.encode())
            return ()
        address = dict(profile.dns_hosts).get(text.lower())
        board.scheduler.post(HIGH, lambda: call(fn, None, address.encode() if address else None))
        return ()

    @lua_function("getdnsserver")
    def getdnsserver(*args):
        wifi = station()
        if opt_int(args, 0, 0) >= 2:
            error(b"server index out of range [0-1]")
        if wifi is not None and wifi.ip is not None and opt_int(args, 0, 0) == 0:
            return (wifi.ip[2].encode(),)
        return (None,)

    @lua_function("setdnsserver")
    def setdnsserver(*args):
        server = check_string(args, 0)
        if ip_to_int(server.decode("latin-1")) in (None, 0):
            error(b"invalid dns server ip")
        if opt_int(args, 1, 0) >= 2:
            error(b"server index out of range [0-1]")
        return ()

    @lua_function("ifinfo")
    def ifinfo(*args):
        return ()

    @lua_function("multicastJoin")
    def multicast(*args):
        return ()

    dns = module_table({"resolve": dns_resolve, "getdnsserver": getdnsserver,
                        "setdnsserver": setdnsserver})
    table = module_table({"createServer": create_server, "createConnection": create_connection,
                          "createUDPSocket": create_udp, "ifinfo": ifinfo,
                          "multicastJoin": multicast, "multicastLeave": multicast},
                         {"TCP": TCP, "UDP": UDP})
    table.rawset(b"dns", dns)
    return table
