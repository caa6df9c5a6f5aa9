#!/usr/bin/env python3
"""Validates SARIF files against the official SARIF 2.1.0 schema (JSON Schema Draft 4) and the
parts GitHub code scanning insists on. Usage: check_sarif.py SCHEMA FILE..."""

import json
import sys

import jsonschema


def github_rules(log, name):
    """What GitHub requires beyond the schema (see ../shared/NOTES.md)."""
    problems = []
    if log.get("version") != "2.1.0" or "$schema" not in log:
        problems.append("version 2.1.0 and $schema are required")
    for run in log["runs"]:
        if "results" not in run:
            problems.append("run.results must be present (use [] when clean)")
        if "columnKind" not in run:
            problems.append("run.columnKind must be set")
        rules = run["tool"]["driver"].get("rules", [])
        for rule in rules:
            for key in ("shortDescription", "fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rule['id']}: {key}.text missing")
            props = rule.get("properties", {})
            if "security" not in props.get("tags", []):
                problems.append(f"rule {rule['id']}: tags must include security")
            severity = float(props.get("security-severity", "-1"))
            if not 0.0 <= severity <= 10.0:
                problems.append(f"rule {rule['id']}: bad security-severity")
            if props.get("precision") not in ("very-high", "high", "medium", "low"):
                problems.append(f"rule {rule['id']}: bad precision")
        for result in run.get("results", []):
            locations = result.get("locations", [])
            if len(locations) != 1:
                problems.append("each result needs exactly one location")
                continue
            physical = locations[0]["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            region = physical["region"]
            for key in ("startLine", "startColumn", "endLine", "endColumn"):
                if key not in region:
                    problems.append(f"{uri}: region.{key} missing")
            if "primaryLocationLineHash" in result.get("partialFingerprints", {}):
                problems.append("do not emit primaryLocationLineHash")
            if not result.get("message", {}).get("text"):
                problems.append(f"{uri}: message.text missing")
    return [f"{name}: {p}" for p in problems]


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft4Validator(schema)
    failures = []
    for name in sys.argv[2:]:
        log = json.load(open(name))
        for error in validator.iter_errors(log):
            failures.append(f"{name}: schema: {error.message} at {list(error.absolute_path)}")
        failures.extend(github_rules(log, name))
        results = sum(len(run.get("results", [])) for run in log["runs"])
        print(f"{name}: valid SARIF 2.1.0, {results} results")
    for failure in failures:
        print(failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
