#!/usr/bin/env python3
"""Fail when pos-core's top-level modules reference each other in a cycle.

Reads core/src, collects every `crate::X` reference per top-level module (also inside
`use crate::{X, Y::…}` groups and `super::` paths that climb to the crate root), ignores
comments, doc comments, string literals and `#[cfg(test)]` modules, then prints each
strongly connected component with more than one module and the references behind its edges.
Exit 1 if there is any cycle, 0 otherwise. No dependencies beyond python3.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "src")


def strip_comments_and_strings(src):
    """Blank out comments, string and char literals, keeping line breaks for line numbers."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * src.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and not (i and (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = src.find('"' + m.group(1), i + len(m.group(0)))
            end = n if end < 0 else end + 1 + len(m.group(1))
            out.append("\n" * src.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F}') or a lifetime ('a): only skip the former.
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", src[i:])
            if m:
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


CFG_TEST = re.compile(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*([;{])")


def drop_test_modules(code):
    """Remove inline `#[cfg(test)] mod x { … }` bodies; return (code, names of out-of-line test modules)."""
    out_of_line = []
    while True:
        m = CFG_TEST.search(code)
        if not m:
            return code, out_of_line
        if m.group(2) == ";":
            out_of_line.append(m.group(1))
            code = code[: m.start()] + code[m.end():]
            continue
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        code = code[: m.start()] + "\n" * code.count("\n", m.start(), j) + code[j:]


def group_heads(body):
    """Top-level names in a `{a, b::c, d::{e, f}}` use group (without the outer braces)."""
    heads, depth, item = [], 0, ""
    for ch in body + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            name = re.match(r"\s*(\w+)", item)
            if name:
                heads.append(name.group(1))
            item = ""
        else:
            item += ch
    return heads


def module_files():
    """(top-level module, path relative to core/src, module depth below the crate root) for every .rs file."""
    for dirpath, _, files in os.walk(ROOT):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
            parts = rel[:-3].split(os.sep)
            if parts == ["lib"]:
                continue
            if parts[-1] == "mod":
                parts = parts[:-1]
            yield parts[0], rel, parts


def references(code, parts, top_modules):
    """Top-level modules named by `crate::` (or `super::` that climbs to the root) paths in `code`."""
    found = []
    for m in re.finditer(r"(?<![\w$])crate\s*::\s*(\{)?", code):
        line = code.count("\n", 0, m.start()) + 1
        if m.group(1):
            depth, j = 1, m.end()
            while j < len(code) and depth:
                depth += {"{": 1, "}": -1}.get(code[j], 0)
                j += 1
            names = group_heads(code[m.end(): j - 1])
        else:
            name = re.match(r"\w+", code[m.end():])
            names = [name.group(0)] if name else []
        found += [(n, line) for n in names]
    # `super::` chains: in a file at depth d (crate::a::b → d = 2), d `super`s reach the root.
    depth = len(parts)
    for m in re.finditer(r"(?<![\w:])((?:super\s*::\s*)+)(\w+)", code):
        if m.group(1).count("super") == depth:
            found.append((m.group(2), code.count("\n", 0, m.start()) + 1))
    return [(n, line) for n, line in found if n in top_modules]


def main():
    files = list(module_files())
    top_modules = {top for top, _, _ in files}
    # Out-of-line `#[cfg(test)] mod x;` files (and everything under them) are test code.
    test_prefixes = []
    sources = {}
    for top, rel, parts in files:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as fh:
            code, tests = drop_test_modules(strip_comments_and_strings(fh.read()))
        sources[rel] = (top, parts, code)
        test_prefixes += [tuple(parts) + (t,) for t in tests]
    edges = {}
    for rel, (top, parts, code) in sorted(sources.items()):
        if any(tuple(parts[: len(p)]) == p for p in test_prefixes):
            continue
        for name, line in references(code, parts, top_modules):
            if name != top:
                edges.setdefault(top, {}).setdefault(name, []).append(f"{rel}:{line}")

    # Tarjan's strongly connected components.
    index, low, stack, on_stack, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(top_modules):
        if v not in index:
            visit(v)

    cyclic = [c for c in sccs if len(c) > 1]
    two_cycles = sorted(
        (a, b) for a in edges for b in edges[a] if a < b and a in edges.get(b, {})
    )
    if not cyclic:
        print(f"check-cycles: no cycles among {len(top_modules)} top-level modules of pos-core")
        return 0
    print(f"check-cycles: {len(two_cycles)} two-cycle(s), {len(cyclic)} cyclic component(s)")
    for a, b in two_cycles:
        print(f"  {a} <-> {b}")
        print(f"    {a} -> {b}: {', '.join(edges[a][b][:4])}")
        print(f"    {b} -> {a}: {', '.join(edges[b][a][:4])}")
    for comp in cyclic:
        members = set(comp)
        print(f"  component of {len(comp)}: {{{', '.join(comp)}}}")
        for a in comp:
            for b in sorted(edges.get(a, {})):
                if b in members:
                    print(f"    {a} -> {b}: {', '.join(edges[a][b][:3])}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
