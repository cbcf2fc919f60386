"""StarkWare's cairo-run (cairo-lang 0.14.0.1) under Python 3.11, with the all_cairo layout.

A second, independent Cairo VM for the corpus: the same arguments as cairo-run, e.g.

    python cairo_run_all_cairo.py --program xorshift.json --program_input input.json \
        --layout all_cairo --proof_mode --print_output --print_info

with input.json holding {"args": [...]}. It prints the output (felts above P/2 as negatives), the
step count ("originally, N" in proof mode) and each builtin's used cells.

Two runtime patches, nothing changed on disk: Python 3.11's dataclasses refuse the unhashable
default values cairo-lang's layout classes use (so the stock cairo-run fails to start under 3.11),
and this cairo-lang defines the all_cairo layout (every builtin, as proofgrid runs with) without
offering it on the command line.
"""

import dataclasses
import sys

_get_field = dataclasses._get_field


def _hashable_defaults(cls, a_name, a_type, *rest):
    default = cls.__dict__.get(a_name, dataclasses.MISSING)
    if isinstance(default, dataclasses.Field):
        default = default.default
    if default is not dataclasses.MISSING and type(default).__hash__ is None:
        type(default).__hash__ = object.__hash__
    return _get_field(cls, a_name, a_type, *rest)


dataclasses._get_field = _hashable_defaults

import starkware.cairo.lang.instances as instances  # noqa: E402

instances.LAYOUTS["all_cairo"] = instances.all_cairo_instance

from starkware.cairo.lang.vm.cairo_run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
