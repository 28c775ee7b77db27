"""Per-module scores of the last `mutmut run` (docs/testing.md), from the project root: python bench/mutation_scores.py

A module's score is killed / (killed + survived + no tests + timeouts). One kind of survivor is equivalent by
construction and counted apart: a change of letter case inside SQL text (SQLite keywords and identifiers ignore
case), unless it changes a quoted SQL literal such as 'upsert'. SQL is recognised by its upper-case keywords.
Every other survivor is printed for review.
"""
import re
import subprocess
import sys
from collections import Counter, defaultdict

MUTMUT = [sys.executable, "-m", "mutmut"]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|FROM|WHERE|SET|VALUES|ORDER BY|LIMIT)\b")  # as we write SQL
LITERALS = re.compile(r"'[^']*'")


def results() -> dict[str, str]:
    out = subprocess.run([*MUTMUT, "results", "--all", "true"], capture_output=True, text=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if "__mutmut_" in line)


def diff(name: str) -> tuple[str, str]:
    out = subprocess.run([*MUTMUT, "show", name], capture_output=True, text=True).stdout.splitlines()
    removed = "\n".join(x[1:] for x in out if x.startswith("-") and not x.startswith("---"))
    added = "\n".join(x[1:] for x in out if x.startswith("+") and not x.startswith("+++"))
    return removed, added


def sql_case_only(removed: str, added: str) -> bool:
    return (removed != added and removed.lower() == added.lower() and bool(SQL.search(removed))
            and LITERALS.findall(removed) == LITERALS.findall(added))


def main() -> None:
    counts: dict[str, Counter] = defaultdict(Counter)
    review = []
    for name, status in sorted(results().items()):
        if status == "not checked":
            continue
        module = re.split(r"\.x[_ǁ]", name, maxsplit=1)[0]
        if status == "killed" or status == "timeout":
            counts[module]["killed"] += 1
        elif status == "survived" and sql_case_only(*diff(name)):
            counts[module]["equivalent (SQL case)"] += 1
        else:
            counts[module][status] += 1
            review.append((name, status))
    print(f"{'module':26} {'killed':>7} {'of':>5} {'score':>7} {'score*':>7}  other")
    for module, c in sorted(counts.items()):
        total, equivalent = sum(c.values()), c["equivalent (SQL case)"]
        rest = {k: v for k, v in c.items() if k not in ("killed", "equivalent (SQL case)")}
        print(f"{module:26} {c['killed']:7} {total:5} {100 * c['killed'] / total:6.1f}% "
              f"{100 * c['killed'] / (total - equivalent):6.1f}%  {rest} SQL case: {equivalent}")
    print("\nscore* leaves out the SQL-case mutants. To review:")
    for name, status in review:
        print(f"  {status:10} {name}")


if __name__ == "__main__":
    main()
