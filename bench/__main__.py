"""``python -m bench [all | GROUP...]``: run benchmark groups, print ``name: value unit`` lines."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import shutil
import sys

from . import GROUPS
from .common import BenchError, Context, Figure, Options, calibration, log, make_tmp


def parse(argv: list[str]) -> tuple[list[str], Options]:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("groups", nargs="*", default=["all"], help=f"all (default) or any of: {', '.join(GROUPS)}")
    for item in dataclasses.fields(Options):
        flag = "--" + item.name.replace("_", "-")
        default = getattr(defaults, item.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true", help=f"default {default}")
        else:
            parser.add_argument(flag, type=type(default), default=default, help=f"default {default}")
    args = parser.parse_args(argv)
    groups = list(GROUPS) if "all" in args.groups else args.groups
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: all, {', '.join(GROUPS)}")
    options = Options(**{item.name: getattr(args, item.name) for item in dataclasses.fields(Options)})
    return groups, options


def main(argv: list[str]) -> int:
    groups, options = parse(argv)
    ctx = Context(options=options, tmp=make_tmp())
    figures: list[Figure] = [calibration()]
    print(figures[0].line(), flush=True)
    failed = []
    try:
        for name in groups:
            module = importlib.import_module(GROUPS[name])
            log(f"group {name}")
            try:
                produced = module.run(ctx)
            except BenchError as error:
                print(f"# {name}: FAILED: {error}", file=sys.stderr, flush=True)
                failed.append(name)
                continue
            for figure in produced:
                print(figure.line(), flush=True)
            figures += produced
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    targets = [f"{f.name}{f.target} {f.unit}" for f in figures if f.target]
    if targets:
        print("# targets: " + ", ".join(targets))
        missed = [f.name for f in figures if f.missed()]
        print("# missed: " + (", ".join(missed) if missed else "none"))
    if failed:
        print(f"# failed groups: {', '.join(failed)}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
