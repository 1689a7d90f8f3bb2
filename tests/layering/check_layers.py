#!/usr/bin/env python3
"""forge's layers look only down. Reads every #include of src/ and plugins/ and fails, naming
each file and include, when one looks up or sideways where it must not:

  api/ cli/                      the shells: command bodies and the public library
  app/                           saved runs, the run lifecycle, prepared plugins, process settings
  train/ sweep/ search/ report/  what runs do; tracking/ sends them to a tracking server
  runs/ metrics/ plugin_host/    the run folder, metric sinks, finding, building and loading plugins
  core/                          flags, errors, files, processes

and, beyond the ranks: api/ never includes cli/, cli/ never includes train/ (a command's use
case is app/'s), runs/ never includes train/, search/ and train/ and sweep/ never include each other,
tracking/ and train/ never include each other and tracking/ includes neither sweep/ nor search/, metrics/ and
report/ never include train/, runs/, metrics/ and plugin_host/ never include each other, and built-in plugins include only <forge/...> of forge's (and
their own local headers beside them in plugins/).

  check_layers.py ROOT          check the tree at ROOT (exit 1 on a forbidden include)
  check_layers.py --self-test   adds each kind of forbidden include to a copy of the tree and
                                checks that each is caught
"""
import pathlib
import re
import shutil
import sys
import tempfile

RANK = {"core": 0, "runs": 1, "metrics": 1, "plugin_host": 1,
        "train": 2, "sweep": 2, "search": 2, "report": 2, "tracking": 2, "app": 3, "api": 4, "cli": 4}
# Sideways or skipping includes that the ranks alone would allow.
FORBIDDEN = {("api", "cli"), ("cli", "train"), ("report", "train"), ("train", "sweep"), ("train", "report"), ("sweep", "train"),
             ("search", "train"), ("train", "search"), ("search", "sweep"), ("sweep", "search"),
             ("tracking", "train"), ("train", "tracking"), ("tracking", "sweep"), ("tracking", "search"),
             ("plugin_host", "runs"), ("plugin_host", "metrics"), ("runs", "metrics"), ("metrics", "runs"),
             ("runs", "plugin_host"), ("metrics", "plugin_host")}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(include):
    head = include.split("/", 1)[0]
    return head if head in RANK and "/" in include else None


def problems(root):
    root = pathlib.Path(root)
    found = []
    for path in sorted((root / "src").rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".h"):
            continue
        layer = path.relative_to(root / "src").parts[0]
        if layer not in RANK:
            continue
        for quote, include in INCLUDE.findall(path.read_text(errors="replace")):
            target = layer_of(include) if quote == '"' else None
            if target is None or target == layer:
                continue
            if RANK[target] > RANK[layer] or (layer, target) in FORBIDDEN:
                found.append(f"{path.relative_to(root)}: {layer}/ must not include {include}")
    for path in sorted((root / "plugins").glob("*.[ch]pp")):
        for quote, include in INCLUDE.findall(path.read_text(errors="replace")):
            own_header = quote == '"' and "/" not in include and (path.parent / include).is_file()
            if (quote == '"' and not own_header) or layer_of(include):
                found.append(f"{path.relative_to(root)}: a built-in plugin includes only <forge/...>, not {include}")
    return found


def self_test(root):
    """Each forbidden include, added to a copy of the tree, must be reported."""
    cases = [("src/api/run.cpp", '#include "cli/commands.hpp"'),
             ("src/runs/run_dir.cpp", '#include "train/trainer.hpp"'),
             ("src/core/hash.cpp", '#include "runs/manifest.hpp"'),
             ("src/metrics/metrics_log.cpp", '#include "train/trainer.hpp"'),
             ("src/runs/run_summary.cpp", '#include "metrics/metrics_log.hpp"'),
             ("src/cli/eval_command.cpp", '#include "train/evaluate.hpp"'),
             ("src/metrics/table_writer.cpp", '#include "runs/run_files.hpp"'),
             ("src/report/html_report.cpp", '#include "train/trainer.hpp"'),
             ("plugins/mlp.cpp", '#include "core/flag_set.hpp"')]
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        copy = pathlib.Path(scratch) / "tree"
        shutil.copytree(pathlib.Path(root) / "src", copy / "src")
        shutil.copytree(pathlib.Path(root) / "plugins", copy / "plugins")
        if problems(copy):
            print("the tree itself breaks the layers:\n" + "\n".join(problems(copy)))
            return 1
        for file, line in cases:
            target = copy / file
            original = target.read_text()
            target.write_text(line + "\n" + original)
            if not any(file in p for p in problems(copy)):
                print(f"not caught: {line} in {file}")
                failed += 1
            target.write_text(original)
    print(f"{len(cases) - failed} of {len(cases)} forbidden includes caught")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = problems(argv[1])
    for line in found:
        print(line)
    print(f"layers: {len(found)} forbidden include(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
