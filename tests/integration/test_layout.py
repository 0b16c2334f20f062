# SPDX-License-Identifier: Apache-2.0
"""The tree keeps its design (issue 21): src/ in folders by layer, the
pure layers free of httpd, no include pointing up a layer or closing a
circle, only the module record exported, one number per log message, a
licence line in every source file. CONTRIBUTING.md states the rules; these
tests hold the code to them."""
import pathlib
import re
import shutil
import subprocess

import pytest

from harness import MODULE, ROOT

# Lowest first: a file may include headers of its own layer or of layers
# before it. The first four are pure: no httpd header.
LAYERS = ["codec", "model", "workos", "store",
          "base", "state", "request", "events", "handlers"]
PURE = set(LAYERS[:4])
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
LOGNO = re.compile(r"WOSLOGNO\((\d+)\)")
SPDX = "SPDX-License-Identifier: Apache-2.0"


def httpd_headers():
    """Names of httpd's own headers (not APR's): from apxs's include
    directory, else the naming patterns httpd uses."""
    names = set()
    apxs = shutil.which("apxs")
    if apxs:
        inc = subprocess.run([apxs, "-q", "INCLUDEDIR"], capture_output=True,
                             text=True).stdout.strip()
        if inc and pathlib.Path(inc).is_dir():
            names = {p.name for p in pathlib.Path(inc).glob("*.h")
                     if not p.name.startswith(("apr", "apu"))}
    names |= {"httpd.h", "mod_auth.h", "mod_status.h", "scoreboard.h"}
    return names


HTTPD_PATTERN = re.compile(r"^(http_|ap_|util_|mod_|mpm|unixd)")


def is_httpd_header(name, known):
    base = name.rsplit("/", 1)[-1]
    return base in known or bool(HTTPD_PATTERN.match(base))


def check_tree(src, known_httpd):
    """Every problem in the tree under src, as sentences: files outside a
    layer folder, project includes not written "layer/name.h" or naming a
    missing header, httpd headers in pure layers, includes pointing up a
    layer, and include circles between concerns (x.c + x.h)."""
    problems = []
    edges = {}
    for path in sorted(src.rglob("*")):
        if path.is_dir() or path.suffix not in (".c", ".h"):
            continue
        rel = path.relative_to(src)
        if len(rel.parts) != 2 or rel.parts[0] not in LAYERS:
            problems.append(f"{rel}: not in a layer folder ({', '.join(LAYERS)})")
            continue
        layer = rel.parts[0]
        node = f"{layer}/{path.stem}"
        edges.setdefault(node, set())
        for kind, name in INCLUDE.findall(path.read_text(errors="replace")):
            if layer in PURE and is_httpd_header(name, known_httpd):
                problems.append(f"{rel}: pure layer {layer} includes httpd "
                                f"header {name}")
            if kind != '"':
                continue
            parts = name.split("/")
            if len(parts) != 2 or parts[0] not in LAYERS:
                if is_httpd_header(name, known_httpd) or \
                        name.startswith(("apr", "apu")):
                    continue
                problems.append(f"{rel}: includes \"{name}\", not "
                                f"\"layer/name.h\"")
                continue
            if not (src / name).is_file():
                problems.append(f"{rel}: includes missing {name}")
                continue
            if LAYERS.index(parts[0]) > LAYERS.index(layer):
                problems.append(f"{rel}: includes {name}, a layer above "
                                f"{layer}")
            target = f"{parts[0]}/{pathlib.Path(parts[1]).stem}"
            if target != node:
                edges[node].add(target)
    # circles between concerns, by depth-first search
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                problems.append("include circle: " + " -> ".join(
                    stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n)
    return problems


def test_src_keeps_its_layers():
    problems = check_tree(ROOT / "src", httpd_headers())
    assert not problems, "\n".join(problems)


def test_layer_check_catches_each_kind_of_break(tmp_path):
    """The checker itself: a tree with each kind of break is refused."""
    src = tmp_path / "src"
    for layer in ("codec", "model", "base", "request"):
        (src / layer).mkdir(parents=True)
    (src / "codec/a.h").write_text('#include "httpd.h"\n')
    (src / "codec/a.c").write_text('#include "codec/a.h"\n'
                                   '#include "request/r.h"\n')
    (src / "model/m.h").write_text('#include "m2.h"\n')
    (src / "base/b.h").write_text('#include "base/c.h"\n')
    (src / "base/c.h").write_text('#include "base/b.h"\n')
    (src / "request/r.h").write_text('#include "base/b.h"\n'
                                     '#include "http_request.h"\n')
    (src / "stray.c").write_text("")
    problems = "\n".join(check_tree(src, httpd_headers()))
    assert "codec/a.h: pure layer codec includes httpd header httpd.h" \
        in problems
    assert "codec/a.c: includes request/r.h, a layer above codec" in problems
    assert 'model/m.h: includes "m2.h", not "layer/name.h"' in problems
    assert "include circle: base/b -> base/c -> base/b" in problems
    assert "stray.c: not in a layer folder" in problems
    assert "request/r.h" not in problems.replace("codec/a.c: includes "
                                                 "request/r.h", "")


def test_module_exports_only_its_record():
    assert MODULE.is_file(), f"{MODULE} not built"
    out = subprocess.run(["nm", "-D", "--defined-only", str(MODULE)],
                         capture_output=True, text=True, check=True).stdout
    names = sorted(line.split()[-1] for line in out.splitlines()
                   if line.strip())
    assert names == ["auth_workos_module"]


def log_numbers():
    found = {}
    for path in sorted((ROOT / "src").rglob("*.c")) + \
            [ROOT / "mod_auth_workos.c"]:
        for m in LOGNO.finditer(path.read_text()):
            line = path.read_text()[:m.start()].count("\n") + 1
            found.setdefault(m.group(1), []).append(
                f"{path.relative_to(ROOT)}:{line}")
    return found


def test_log_numbers_are_unique_and_below_next_number():
    found = log_numbers()
    assert len(found) > 50
    twice = {n: at for n, at in found.items() if len(at) > 1}
    assert not twice, f"log numbers used more than once: {twice}"
    assert all(len(n) == 5 for n in found), "numbers have five digits"
    next_file = ROOT / "docs" / "log-message-tags" / "next-number"
    nxt = int(next_file.read_text().strip())
    assert nxt > max(int(n) for n in found), \
        f"{next_file.relative_to(ROOT)} is not above every number in use"


def source_files():
    files = [ROOT / "mod_auth_workos.c"]
    for d in ("src", "tests/unit", "tests/fuzz", "tests/tools"):
        files += [p for p in sorted((ROOT / d).rglob("*"))
                  if p.suffix in (".c", ".h") and "build" not in p.parts]
    for d in ("tests/integration", "tests/soak", "tests/bench", "demo"):
        files += sorted((ROOT / d).glob("*.py"))
    return files


def test_every_source_file_has_its_licence_line():
    missing = [str(p.relative_to(ROOT)) for p in source_files()
               if SPDX not in "".join(p.read_text().splitlines(True)[:3])]
    assert len(source_files()) > 100
    assert not missing, f"no '{SPDX}' in the first lines of: {missing}"


def test_licence_matches_debian_copyright():
    licence = (ROOT / "LICENSE").read_text()
    copyright = (ROOT / "debian" / "copyright").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    assert re.search(r"^License: Apache-2\.0$", copyright, re.M)
