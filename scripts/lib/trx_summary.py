#!/usr/bin/env python3
"""Counts a VSTest TRX file's results for PullCluster's test script.

Usage: trx_summary.py RESULTS.trx
Prints "PASSED FAILED SKIPPED RUN_OUTCOME" on stdout (RUN_OUTCOME: Completed, Failed, Aborted...) and the names and first message lines of failed tests on
stderr. Exit 2 if the file cannot be read as TRX. Counts come from the UnitTestResult elements, so
every theory case counts once; outcomes other than Passed and NotExecuted (Error, Timeout, Aborted)
count as failures.
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def main(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"cannot read test results {path}: {e}", file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    failures = []
    for r in root.iter(NS + "UnitTestResult"):
        outcome = r.get("outcome", "")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:
            failed += 1
            msg = r.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            first = (msg.text or "").strip().splitlines()[0] if msg is not None and msg.text else outcome
            failures.append(f"  FAILED {r.get('testName')}: {first}")
    for line in failures:
        print(line, file=sys.stderr)
    summary = root.find(NS + "ResultSummary")
    run_outcome = summary.get("outcome", "Unknown") if summary is not None else "Unknown"
    print(passed, failed, skipped, run_outcome)
    return 0


sys.exit(main(sys.argv[1]))
