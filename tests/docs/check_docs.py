#!/usr/bin/env python3
"""Docs that cannot rot: the checks ctest runs over README.md and docs/.

    check_docs.py links ROOT                 every relative link reaches a file, and its #anchor a heading
    check_docs.py reference ROOT FORGE       docs/reference/ is what scripts/make_reference.py makes now
    check_docs.py examples ROOT FORGE        the runnable examples run (```sh test blocks, with the
                                             ```cpp file=NAME blocks of their page written beside them)
    check_docs.py readme ROOT                README.md's two commands are the ones docs/installing.md explains
    check_docs.py self-test ROOT FORGE       each check fails on a copy with the fault it is for

Exit 0 when the check passes; 1, with one line per problem, when it does not.
"""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(?P<info>.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def pages(root):
    found = [os.path.join(root, "README.md")]
    for folder, _, files in os.walk(os.path.join(root, "docs")):
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".md")]
    return found


def blocks(path):
    """(info string, first line number, text) of each fenced block of a Markdown file."""
    out, info, start, lines = [], None, 0, []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fence = FENCE.match(line.rstrip("\n"))
            if fence and info is None:
                info, start, lines = fence["info"].strip(), number, []
            elif fence and not fence["info"].strip():
                out.append((info, start, "".join(lines)))
                info = None
            elif info is not None:
                lines.append(line)
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    found, counts, in_code = set(), {}, False
    with open(path) as f:
        for line in f:
            if line.startswith("```"):
                in_code = not in_code
            elif not in_code and line.startswith("#"):
                base = slug(line.lstrip("#"))
                n = counts.get(base, 0)
                found.add(base if n == 0 else f"{base}-{n}")
                counts[base] = n + 1
    return found


def check_links(root):
    problems = []
    for page in pages(root):
        in_code = False
        with open(page) as f:
            for number, line in enumerate(f, 1):
                if line.startswith("```"):
                    in_code = not in_code
                if in_code:
                    continue
                for link in LINK.finditer(line):
                    target = link["target"]
                    if re.match(r"^[a-z]+:", target):
                        continue  # http:, https:, mailto:
                    file_part, _, anchor = target.partition("#")
                    path = os.path.normpath(os.path.join(os.path.dirname(page), file_part)) if file_part else page
                    where = f"{os.path.relpath(page, root)}:{number}"
                    if not os.path.exists(path):
                        problems.append(f"{where}: links to {target}, and {os.path.relpath(path, root)} does not exist")
                    elif anchor and path.endswith(".md") and anchor not in anchors(path):
                        problems.append(f"{where}: links to {target}, and {os.path.relpath(path, root)} has no "
                                        f"heading #{anchor}")
    return problems


def check_reference(root, forge):
    problems = []
    with tempfile.TemporaryDirectory() as made:
        result = subprocess.run([sys.executable, os.path.join(root, "scripts/make_reference.py"), "--forge", forge,
                                 "--markdown", made], capture_output=True, text=True)
        if result.returncode != 0:
            return [f"scripts/make_reference.py failed: {result.stdout}{result.stderr}".strip()]
        committed_dir = os.path.join(root, "docs/reference")
        names = sorted(set(os.listdir(made)) | set(os.listdir(committed_dir) if os.path.isdir(committed_dir) else []))
        for name in names:
            committed, fresh = os.path.join(committed_dir, name), os.path.join(made, name)
            if not os.path.exists(fresh):
                problems.append(f"docs/reference/{name} is no page the code makes; delete it")
                continue
            if not os.path.exists(committed):
                problems.append(f"docs/reference/{name} is missing")
                continue
            old, new = open(committed).read().splitlines(), open(fresh).read().splitlines()
            if old != new:
                changed = [l for l in difflib.unified_diff(old, new, lineterm="", n=0) if l[:1] in "+-"
                           and not l.startswith(("+++", "---"))]
                problems.append(f"docs/reference/{name} is not what forge --help says now (" +
                                "; ".join(changed[:4]) + ")")
    if problems:
        problems.append(f"run: scripts/make_reference.py --forge {forge} --markdown docs/reference")
    return problems


def check_examples(root, forge):
    problems = []
    forge_dir = os.path.dirname(os.path.abspath(forge))
    environment = dict(os.environ, PATH=forge_dir + os.pathsep + os.environ.get("PATH", ""))
    for page in pages(root):
        page_blocks = blocks(page)
        tests = [(start, text) for info, start, text in page_blocks if info == "sh test"]
        if not tests:
            continue
        with tempfile.TemporaryDirectory() as work:
            for info, _, text in page_blocks:
                named = re.match(r"^\w+ file=(\S+)$", info)
                if named:
                    with open(os.path.join(work, named[1]), "w") as f:
                        f.write(text)
            for start, text in tests:
                try:
                    result = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=work, env=environment,
                                            capture_output=True, text=True, timeout=600)
                except subprocess.TimeoutExpired:
                    problems.append(f"{os.path.relpath(page, root)}:{start}: the example ran past 600 s")
                    continue
                if result.returncode != 0:
                    tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
                    problems.append(f"{os.path.relpath(page, root)}:{start}: the example failed (exit "
                                    f"{result.returncode}): " + " | ".join(tail))
    return problems


def first_sh_block(path):
    for info, _, text in blocks(path):
        if info == "sh":
            return text
    return None


def check_readme(root):
    readme = first_sh_block(os.path.join(root, "README.md"))
    guide = open(os.path.join(root, "docs/installing.md")).read()
    if readme is None:
        return ["README.md has no ```sh block with its two commands"]
    commands = [l for l in readme.splitlines() if l.strip()]
    if len(commands) != 2:
        return [f"README.md's first ```sh block holds {len(commands)} commands; it is the two commands"]
    return [f"README.md's command `{c}` is not in docs/installing.md, which explains it; change both"
            for c in commands if c not in guide]


def self_test(root, forge):
    """Each check on a copy of the docs with its fault: it must fail, naming it."""
    faults = []

    def copy():
        work = tempfile.mkdtemp()
        for item in ("README.md", "docs", "scripts", "src"):
            source = os.path.join(root, item)
            (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, os.path.join(work, item))
        return work

    def edit(path, old, new):
        text = open(path).read()
        assert old in text, f"{path} no longer holds {old!r}: update the self-test"
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))

    def expect(check, args, says):
        result = subprocess.run([sys.executable, __file__, check] + args, capture_output=True, text=True)
        if result.returncode == 0 or says not in result.stdout:
            faults.append(f"`check_docs.py {check}` missed its fault (exit {result.returncode}): {result.stdout}")

    work = copy()
    try:
        reference = os.path.join(work, "docs/reference/commands.md")
        row = next(l for l in open(reference) if l.startswith("| `--epochs`"))
        edit(reference, row, "")
        expect("reference", [work, forge], "docs/reference/commands.md is not what forge --help says")
        edit(os.path.join(work, "docs/index.md"), "(runs.md)", "(no-such-page.md)")
        expect("links", [work], "no-such-page.md does not exist")
        edit(os.path.join(work, "docs/internals.md"), "## Docs that cannot rot", "## Docs that rot")
        expect("links", [work], "has no heading")
        edit(os.path.join(work, "README.md"), "--epochs 15 --lr 0.01", "--epoch 15 --lr 0.01")
        expect("examples", [work, forge], "the example failed")
        edit(os.path.join(work, "README.md"), "ctest --test-dir build -j2", "ctest --test-dir build -j4")
        expect("readme", [work], "is not in docs/installing.md")
    finally:
        shutil.rmtree(work)
    return faults


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    check, root = sys.argv[1], os.path.abspath(sys.argv[2])
    rest = sys.argv[3:]
    checks = {
        "links": lambda: check_links(root),
        "reference": lambda: check_reference(root, rest[0]),
        "examples": lambda: check_examples(root, rest[0]),
        "readme": lambda: check_readme(root),
        "self-test": lambda: self_test(root, rest[0]),
    }
    if check not in checks:
        sys.exit(__doc__)
    problems = checks[check]()
    for problem in problems:
        print(problem)
    if not problems:
        print(f"docs: {check}: ok")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
