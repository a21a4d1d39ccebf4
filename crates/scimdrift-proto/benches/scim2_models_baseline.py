"""Baseline for `cargo xtask bench-filter`: the same filters (filters.txt) on
the same resource (user.json), parsed and evaluated by PyPI scim2-models'
ScimFilter. Prints one JSON object: {name: {parse_ns, evaluate_ns,
parse_evaluate_ns}}, each the median of several timeit repeats."""

import json
import pathlib
import statistics
import sys
import timeit

from scim2_models import ScimFilter, User

HERE = pathlib.Path(__file__).parent


def median_ns(fn, number):
    runs = timeit.repeat(fn, number=number, repeat=7)
    return statistics.median(runs) / number * 1e9


def main():
    user = User.model_validate(json.loads((HERE / "user.json").read_text()))
    out = {}
    for line in (HERE / "filters.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, text = line.split("\t", 1)
        flt = ScimFilter[User](text)
        if flt.match(user) is not True:
            sys.exit(f"baseline: {name} does not match the fixture")
        out[name] = {
            "parse_ns": median_ns(lambda: ScimFilter[User](text), 200),
            "evaluate_ns": median_ns(lambda: flt.match(user), 500),
            "parse_evaluate_ns": median_ns(lambda: ScimFilter[User](text).match(user), 200),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
