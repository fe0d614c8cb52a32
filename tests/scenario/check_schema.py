#!/usr/bin/env python3
"""Checks docs/scenario.schema.json against the corpus: every bundled scenario
must validate, and every bad file marked "@schema-rejects" in its .expect
must be rejected. Exit status 0 on success, 1 on a mismatch.

usage: check_schema.py SCHEMA SCENARIOS_DIR BAD_DIR
"""
import glob
import json
import os
import sys

import jsonschema


def main():
    schema_path, scenarios_dir, bad_dir = sys.argv[1:4]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    failures = []

    good = sorted(glob.glob(os.path.join(scenarios_dir, "*.json")))
    for path in good:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = list(validator.iter_errors(doc))
        if errors:
            failures.append(f"{path}: valid scenario rejected by the schema: {errors[0].message}")

    rejected = 0
    for expect in sorted(glob.glob(os.path.join(bad_dir, "*.expect"))):
        with open(expect, encoding="utf-8") as f:
            if "@schema-rejects" not in f.read().splitlines():
                continue
        path = expect[: -len(".expect")] + ".json"
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if validator.is_valid(doc):
            failures.append(f"{path}: broken scenario accepted by the schema")
        rejected += 1

    if not good:
        failures.append(f"no scenarios found in {scenarios_dir}")
    if rejected < 20:
        failures.append(f"only {rejected} bad files are marked @schema-rejects; expected at least 20")
    for line in failures:
        print(line)
    print(f"schema: {len(good)} scenarios accepted, {rejected} bad files checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
