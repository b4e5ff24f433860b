#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pyhost.py - a posplug host in Python, on ctypes and the standard library.

The same thing pos-host does in C (src/host/pos-host.c), to show that the
plugin ABI of include/posplug.h serves hosts not written in C: a POS in
Python, or in Java (JNA/FFM) or JavaScript (node-ffi) along the same lines.
It reads the plugin.manifest, refuses a plugin whose ABI does not fit before
and after loading it (as posplug_loader does), creates an instance with
config overrides, sends one JSON event per input line and prints each reply
as one line.  Run with --help for the manual.
"""
import ctypes
import json
import os
import sys

# --------------------------------------------------------------------------
# include/posplug.h, mirrored.  The host side of the ABI this file speaks.

POSPLUG_ABI_MAJOR = 1
POSPLUG_ABI_MINOR = 1


def make_version(major, minor):
    return (major << 16) | minor


POSPLUG_ABI_VERSION = make_version(POSPLUG_ABI_MAJOR, POSPLUG_ABI_MINOR)
POSPLUG_ABI_SYMBOL = "posplug_abi_version"

POSPLUG_OK = 0
POSPLUG_ERR_ABI = 1
POSPLUG_ERR_CONFIG = 2
POSPLUG_ERR_STORAGE = 4
POSPLUG_ERR_NOMEM = 5
POSPLUG_ERR_TOOSMALL = 6
POSPLUG_ERR_MISUSE = 7

LOG_LEVELS = ("debug", "info", "warn", "error")
POSPLUG_LOG_ERROR = 3


def abi_compatible(host, plugin):
    """posplug_abi_compatible(): equal majors, plugin minor <= host minor."""
    return host >> 16 == plugin >> 16 and (plugin & 0xFFFF) <= (host & 0xFFFF)


class PosplugError(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int),
                ("message", ctypes.c_char * 256),
                ("where", ctypes.c_char * 128)]


LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
NOW_MS_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)


# What was padding after abi_version on 64-bit targets is a named field.
RESERVED0 = [("reserved0", ctypes.c_uint32)] if ctypes.sizeof(ctypes.c_void_p) > 4 else []


class PosplugHostApi(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t),
                ("abi_version", ctypes.c_uint32)] + RESERVED0 + [
                ("host_ctx", ctypes.c_void_p),
                ("log", LOG_FN),
                ("now_ms", NOW_MS_FN)]


CREATE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(PosplugHostApi),
                             ctypes.c_char_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_void_p),
                             ctypes.POINTER(PosplugError))
HANDLE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                             ctypes.c_size_t, ctypes.POINTER(ctypes.c_char),
                             ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                             ctypes.POINTER(PosplugError))
LAST_REPLY_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                                 ctypes.POINTER(ctypes.c_char), ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t))
RELOAD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(PosplugError))
DESTROY_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class PosplugPluginApi(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t),
                ("abi_version", ctypes.c_uint32)] + RESERVED0 + [
                ("name", ctypes.c_char_p),
                ("version", ctypes.c_char_p),
                ("create", CREATE_FN),
                ("handle", HANDLE_FN),
                ("last_reply", LAST_REPLY_FN),
                ("reload", RELOAD_FN),
                ("destroy", DESTROY_FN)]


ENTRY_FN = ctypes.CFUNCTYPE(ctypes.POINTER(PosplugPluginApi), ctypes.c_uint32,
                            ctypes.POINTER(PosplugError))


def has_member(api, name):
    """POSPLUG_HAS_MEMBER: does the plugin's table reach this member?"""
    field = getattr(PosplugPluginApi, name)
    return api.struct_size >= field.offset + field.size


# --------------------------------------------------------------------------
# Loading, as include/posplug_loader.h describes it.

class LoadError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def version_text(v):
    return f"{v >> 16}.{v & 0xFFFF}"


def load(manifest_path):
    """Return (library, api, path) for the plugin the manifest names."""
    try:
        with open(manifest_path, "rb") as f:
            manifest = json.loads(f.read())
    except (OSError, ValueError) as e:
        raise LoadError(POSPLUG_ERR_CONFIG, f"cannot read manifest {manifest_path}: {e}")
    if not isinstance(manifest, dict):
        raise LoadError(POSPLUG_ERR_CONFIG, f"{manifest_path} is not a JSON object")
    for key in ("name", "abi", "library", "entry"):
        if not isinstance(manifest.get(key), str):
            raise LoadError(POSPLUG_ERR_CONFIG, f"{manifest_path}: {key} must be a string")
    try:
        major, minor = (int(x) for x in manifest["abi"].split("."))
    except ValueError:
        raise LoadError(POSPLUG_ERR_CONFIG,
                        f"{manifest_path}: abi must look like \"1.0\", not {manifest['abi']!r}")
    declared = make_version(major, minor)
    if not abi_compatible(POSPLUG_ABI_VERSION, declared):
        raise LoadError(POSPLUG_ERR_ABI,
                        f"plugin {manifest['name']} declares ABI {version_text(declared)} in "
                        f"its manifest; this host speaks ABI {version_text(POSPLUG_ABI_VERSION)}")
    # A relative library is relative to the manifest's own folder, never
    # to dlopen's search path (LD_LIBRARY_PATH, the system folders): a bare
    # name would load whichever file of that name the system finds first.
    # The path is made absolute with symlinks resolved, and said.
    library = manifest["library"]
    if not os.path.isabs(library):
        library = os.path.join(os.path.dirname(os.path.abspath(manifest_path)), library)
    try:
        library = os.path.realpath(library, strict=True)
    except OSError as e:
        raise LoadError(POSPLUG_ERR_CONFIG, f"cannot load {library}: {e.strerror}")
    try:
        lib = ctypes.CDLL(library, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    except OSError as e:
        raise LoadError(POSPLUG_ERR_CONFIG, f"cannot load {library}: {e}")
    try:
        exported = ctypes.c_uint32.in_dll(lib, POSPLUG_ABI_SYMBOL).value
    except ValueError:
        raise LoadError(POSPLUG_ERR_CONFIG,
                        f"{library} exports no {POSPLUG_ABI_SYMBOL}: not a posplug plugin")
    if not abi_compatible(POSPLUG_ABI_VERSION, exported):
        raise LoadError(POSPLUG_ERR_ABI,
                        f"{library} was built for plugin ABI {version_text(exported)}; "
                        f"this host speaks ABI {version_text(POSPLUG_ABI_VERSION)}")
    try:
        entry = ENTRY_FN((manifest["entry"], lib))
    except AttributeError:
        raise LoadError(POSPLUG_ERR_CONFIG,
                        f"{library} exports no entry symbol {manifest['entry']}")
    err = PosplugError()
    table = entry(POSPLUG_ABI_VERSION, ctypes.byref(err))
    if not table:
        raise LoadError(err.code or POSPLUG_ERR_ABI,
                        err.message.decode() or "the plugin refused this host")
    api = table.contents
    if not has_member(api, "destroy") or not abi_compatible(POSPLUG_ABI_VERSION,
                                                            api.abi_version):
        raise LoadError(POSPLUG_ERR_ABI,
                        f"the plugin's function table (ABI {version_text(api.abi_version)}, "
                        f"{api.struct_size} bytes) does not fit this host "
                        f"(ABI {version_text(POSPLUG_ABI_VERSION)})")
    return lib, api, library


# --------------------------------------------------------------------------
# The host

EVENT_MAX_BYTES = 4 << 20

HELP = """NAME
    pyhost.py - a posplug host in Python (ctypes, standard library only)

SYNOPSIS
    pyhost.py --manifest FILE [--events FILE|-] [--db PATH] [--scripts DIR]
              [--reply-buffer BYTES] [--quiet]

DESCRIPTION
    Loads the plugin that FILE (a plugin.manifest) describes through the ABI
    of include/posplug.h, checking the ABI version declared in the manifest,
    the one the library exports and the function table's size, as the C
    loader does.  Then reads one JSON event per line from --events (standard
    input by default), sends each to the plugin and prints the reply as one
    JSON line, exactly as pos-host does.  Blank lines and lines starting
    with # are skipped.

OPTIONS
    --manifest FILE       the plugin.manifest to load (required)
    --events FILE         events to send, one JSON object per line; - for stdin
    --db PATH             use this database instead of the manifest's
    --scripts DIR         use this scripts directory instead of the manifest's
    --reply-buffer BYTES  start with a reply buffer this small (default 65536);
                          larger replies are fetched with last_reply()
    --quiet               do not print the plugin's log lines on stderr
    --help                show this help

EXIT STATUS
    0  every event was handled (some replies may still say ok:false)
    1  the plugin reported a storage or memory failure for some event
    2  usage error
    3  the plugin could not be loaded or created

EXAMPLES
    examples/pyhost.py --manifest build/plugin.manifest \\
        --events scripts/demo-day.jsonl --db /tmp/py.db
"""


def usage_error(msg):
    print(f"pyhost: {msg}\nUsage: pyhost.py --manifest FILE [--events FILE|-] "
          "[--db PATH] [--scripts DIR] [--reply-buffer BYTES] [--quiet]", file=sys.stderr)
    return 2


class Host:
    def __init__(self, api, quiet, reply_cap):
        self.api = api
        self.quiet = quiet
        self.reply = ctypes.create_string_buffer(reply_cap)
        # The callbacks must outlive the instance: keep them referenced.
        self._log = LOG_FN(self.log)
        self.host_api = PosplugHostApi(struct_size=ctypes.sizeof(PosplugHostApi),
                                       abi_version=POSPLUG_ABI_VERSION,
                                       host_ctx=None, log=self._log)
        self.inst = ctypes.c_void_p()

    def log(self, ctx, level, msg):
        if self.quiet and level < POSPLUG_LOG_ERROR:
            return
        name = LOG_LEVELS[level] if 0 <= level <= 3 else "log"
        print(f"pyhost: plugin {name}: {msg.decode('utf-8', 'replace')}", file=sys.stderr)

    def create(self, manifest, overrides):
        err = PosplugError()
        st = self.api.create(ctypes.byref(self.host_api), manifest.encode(),
                             overrides.encode() if overrides else None,
                             ctypes.byref(self.inst), ctypes.byref(err))
        if st != POSPLUG_OK:
            where = err.where.decode()
            raise LoadError(st, (where + ": " if where else "") + err.message.decode())

    def send(self, event):
        """Send one event (bytes); return (status, reply bytes, error)."""
        err = PosplugError()
        n = ctypes.c_size_t(0)
        st = self.api.handle(self.inst, event, len(event), self.reply, len(self.reply),
                             ctypes.byref(n), ctypes.byref(err))
        if n.value >= len(self.reply):
            # The event was handled; only the reply did not fit (the status
            # is TOOSMALL, or a storage or memory failure, which wins).
            # Fetch it again into a buffer of reply_len + 1 bytes.
            self.reply = ctypes.create_string_buffer(n.value + 1)
            st = self.api.last_reply(self.inst, self.reply, len(self.reply), ctypes.byref(n))
        if st in (POSPLUG_ERR_TOOSMALL, POSPLUG_ERR_MISUSE):
            return st, None, "could not read the reply"
        return st, self.reply.raw[:n.value], err.message.decode()

    def destroy(self):
        if self.inst:
            self.api.destroy(self.inst)
            self.inst = ctypes.c_void_p()


def main(argv):
    opts = {"--manifest": None, "--events": "-", "--db": None, "--scripts": None,
            "--reply-buffer": "65536"}
    quiet = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--help", "-h"):
            sys.stdout.write(HELP)
            return 0
        if a == "--quiet":
            quiet = True
        elif a in opts:
            if i + 1 >= len(argv):
                return usage_error(f"{a} needs a value")
            opts[a] = argv[i + 1]
            i += 1
        else:
            return usage_error(f"unknown option {a}")
        i += 1
    manifest = opts["--manifest"]
    if manifest is None:
        return usage_error("--manifest is required")
    try:
        reply_cap = int(opts["--reply-buffer"])
        if reply_cap < 1:
            raise ValueError
    except ValueError:
        return usage_error("--reply-buffer needs a positive number of bytes")
    overrides = {}
    if opts["--db"] is not None:
        overrides["database"] = opts["--db"]
    if opts["--scripts"] is not None:
        overrides["scripts"] = {"dir": opts["--scripts"]}
    try:
        events = (sys.stdin.buffer if opts["--events"] == "-"
                  else open(opts["--events"], "rb"))
    except OSError as e:
        print(f"pyhost: cannot read {opts['--events']}: {e.strerror}", file=sys.stderr)
        return 2

    try:
        lib, api, path = load(manifest)
        if not quiet:
            print(f"pyhost: loaded {path}", file=sys.stderr)
        host = Host(api, quiet, reply_cap)
        host.create(manifest, json.dumps(overrides) if overrides else None)
    except LoadError as e:
        print(f"pyhost: {e}", file=sys.stderr)
        return 3

    failures = 0
    out = sys.stdout.buffer
    try:
        for line in events:
            line = line.rstrip(b"\r\n")
            body = line.lstrip(b" \t")
            if not body or body.startswith(b"#"):
                continue
            if len(line) > EVENT_MAX_BYTES:
                out.write(b'{"ok":false,"error":{"code":"too_long","message":"the event '
                          b'is longer than %d bytes","field":""}}\n' % EVENT_MAX_BYTES)
                continue
            st, reply, why = host.send(line)
            if reply is None:
                print(f"pyhost: {why}", file=sys.stderr)
                failures += 1
                continue
            out.write(reply + b"\n")
            out.flush()
            if st != POSPLUG_OK:
                print(f"pyhost: event failed: {why}", file=sys.stderr)
                failures += 1
    finally:
        host.destroy()
        if events is not sys.stdin.buffer:
            events.close()
    # The library stays loaded until exit: ctypes has no dlclose, and every
    # instance is destroyed above, which is all posplug.h asks before it.
    del lib
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
