"""Renderers of the reports CI reads: GitHub Actions workflow commands and SARIF 2.1.0.

Both carry only what failed (audit violations, and for SARIF the files that could not be read),
with paths as CI tools want them. Pure functions of a `Summary`, like `render`'s.
"""

from __future__ import annotations

import json
import os
import urllib.parse

from wordcount import __version__
from wordcount.audit import RULES
from wordcount.model import STDIN
from wordcount.report.summary import Summary


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _shown_path(path: str) -> str:
    """A path as CI tools want it: relative to the working folder when it is inside it, with
    forward slashes; otherwise absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    if relative == ".." or relative.startswith(".." + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def render_github(summary: Summary) -> str:
    """One GitHub Actions `::error` workflow command per violation, and nothing else."""
    lines = []
    for violation in summary.sorted_violations():
        properties: list[tuple[str, object]] = []
        if violation.path is not None and violation.path != STDIN:
            properties.append(("file", _shown_path(violation.path)))
            if violation.line is not None:
                properties += [("line", violation.line), ("col", violation.column)]
        properties.append(("title", f"wordcount {violation.rule}"))
        written = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties)
        lines.append(f"::error {written}::{_escape_data(violation.message)}\n")
    return "".join(lines)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULE_IDS = sorted(RULES)


def _sarif_location(path: str, line: int | None = None, column: int | None = None, match: str | None = None
                    ) -> list[dict[str, object]]:
    """A SARIF `locations` list for a file (none for standard input)."""
    if path == STDIN:
        return []
    shown = _shown_path(path)
    absolute = os.path.isabs(shown)
    uri = urllib.parse.quote(os.fsencode(shown), safe="/")
    artifact: dict[str, object] = {"uri": "file://" + uri} if absolute else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    physical: dict[str, object] = {"artifactLocation": artifact}
    if line is not None:
        region: dict[str, object] = {"startLine": line, "startColumn": column}
        if match is not None and "\n" not in match:
            region["endColumn"] = (column or 1) + len(match)
        physical["region"] = region
    return [{"physicalLocation": physical}]


def render_sarif(summary: Summary) -> str:
    """SARIF 2.1.0 for code scanning: one run, every rule wordcount has, a result per violation.

    Columns count Unicode code points (`columnKind`), as everywhere in wordcount.
    """
    results = []
    for violation in summary.sorted_violations():
        result: dict[str, object] = {
            "ruleId": violation.rule,
            "ruleIndex": _RULE_IDS.index(violation.rule),
            "level": "error",
            "message": {"text": violation.message},
        }
        if violation.path is not None:
            result["locations"] = _sarif_location(violation.path, violation.line, violation.column, violation.match)
        results.append(result)
    notifications = [
        {"level": "error", "message": {"text": f"could not be read: {item.error}"}, "locations": _sarif_location(item.path)}
        for item in summary.sorted_errors()
    ]
    run = {
        "tool": {
            "driver": {
                "name": "wordcount",
                "version": __version__,
                "rules": [
                    {"id": rule, "shortDescription": {"text": RULES[rule]}, "defaultConfiguration": {"level": "error"}}
                    for rule in _RULE_IDS
                ],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not summary.errors,
                "exitCode": int(summary.exit_code),
                "toolExecutionNotifications": notifications,
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
