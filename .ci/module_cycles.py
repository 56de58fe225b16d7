#!/usr/bin/env python3
"""Fail when a crate's modules do not form layers.

At every level of each crate's module tree, the sibling modules (each with everything below
it) must import each other without a cycle. A reference from a module to its own ancestor
or descendant is the module tree itself and does not count; `#[cfg(test)] mod tests` blocks
are left out. Prints each cycle as `crate: a -> b -> a` and exits 1 when there is one.

Usage: module_cycles.py [ROOT]   (ROOT holds the crates: ROOT/*/src)
"""
import os
import re
import sys

USE_RE = re.compile(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.S)
PATH_RE = re.compile(r"\b((?:crate|super|self)(?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")
TEST_MOD_RE = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def strip(text):
    """The source without comments, literals or `#[cfg(test)]` module bodies."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (i == 0 or not text[i - 1].isalnum()):
            close = '"' + m.group(1)
            j = text.find(close, m.end())
            i = n if j < 0 else j + len(close)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif (m := re.compile(r"'(?:\\.[^']*|[^'\\])'").match(text, i)):
            i = m.end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    while True:
        m = TEST_MOD_RE.search(text)
        if not m:
            return text
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + text[i:]


def flatten(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+", "", tree)
    if "{" not in tree:
        return [tree]
    head, rest = tree.split("{", 1)
    inner = rest[: rest.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    return [p for part in parts if part for p in flatten(head + part)]


def modules_of(src):
    """Module path (tuple) -> file, for every file module under src."""
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            mods[tuple(rel)] = path
    return mods


def resolve(module, path, mods):
    """The deepest module a `crate::`/`super::`/`self::` path names, or None."""
    segs = [s.strip() for s in path.split("::")]
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    else:
        base = module
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    target = base
    for s in segs:
        if target + (s,) in mods:
            target = target + (s,)
        else:
            break
    return target


def cycles_in(crate, src):
    mods = modules_of(src)
    edges = {}
    for module, path in mods.items():
        text = strip(open(path, encoding="utf-8", errors="replace").read())
        paths = [p for m in USE_RE.finditer(text) for p in flatten(m.group(1))]
        paths += PATH_RE.findall(text)
        for p in paths:
            if not re.match(r"(crate|super|self)\b", p):
                continue
            target = resolve(module, p, mods)
            common = 0
            while common < min(len(module), len(target)) and module[common] == target[common]:
                common += 1
            if common in (len(module), len(target)):
                continue  # an ancestor or a descendant
            parent = module[:common]
            edges.setdefault(parent, {}).setdefault(module[common], set()).add(target[common])
    found = []
    for parent, graph in sorted(edges.items()):
        for scc in strongly_connected(graph):
            if len(scc) > 1:
                prefix = "::".join(parent + ("",)) if parent else ""
                cycle = find_cycle(graph, sorted(scc))
                line = f"{crate}: " + " -> ".join(prefix + m for m in cycle)
                if len(scc) > len(cycle) - 1:
                    line += " (and with them: " + ", ".join(
                        prefix + m for m in sorted(scc - set(cycle))) + ")"
                found.append(line)
    return found


def strongly_connected(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    nodes = set(graph) | {t for ts in graph.values() for t in ts}

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on.discard(w)
                scc.add(w)
                if w == v:
                    break
            out.append(scc)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def find_cycle(graph, scc):
    """One cycle through the first module of the component, for the message."""
    start, members = scc[0], set(scc)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return scc


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    found = []
    for crate in sorted(os.listdir(root)):
        src = os.path.join(root, crate, "src")
        if os.path.isdir(src):
            found += cycles_in(crate, src)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} module cycle(s): move the shared piece down into a module both "
              "can use, or merge the modules", file=sys.stderr)
        return 1
    print("no module cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
