#!/usr/bin/env bash
# Makes the README's picture of the committee's annual report, docs/images/annual-report-page.png:
# the demo council loaded into a throwaway SQLite database, its report for the last complete
# financial year written by `flask reports annual-report`, and one page of it drawn by
# pdftoppm (poppler-utils). With --sample the report is drawn from the made-up sections the
# tests use (tests/report_sections.py) instead of the demo's records.
#
#   scripts/annual-report-picture.sh [--sample] [PAGE]    # PAGE 4 by default: the first section
set -euo pipefail

sample=false
if [ "${1:-}" = "--sample" ]; then
  sample=true
  shift
fi
page=${1:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
cd "$root"

if $sample; then
  .venv/bin/python - "$workdir/report.pdf" <<'PYTHON'
import datetime as dt
import sys

from portal.common.dates import FinancialYear
from portal.reports.annual_report import ReportDetails, report_pdf
from tests.report_sections import sample_sections

details = ReportDetails("Northfield Borough Council", "#1d5b79", FinancialYear(2025), dt.date(2026, 12, 5))
with open(sys.argv[1], "wb") as output:
    output.write(report_pdf(sample_sections(), details))
PYTHON
else
  export PORTAL_DATABASE_URL="sqlite:///$workdir/demo.db" PORTAL_MFA_REQUIRED=false
  .venv/bin/flask db upgrade >/dev/null 2>&1
  .venv/bin/flask demo load >/dev/null
  last_complete=$(.venv/bin/python -c 'from portal.common.dates import FinancialYear, today; print(FinancialYear.containing(today()).start_year - 1)')
  .venv/bin/flask reports annual-report --year "$last_complete" --output "$workdir/report.pdf"
fi
mkdir -p docs/images
pdftoppm -png -r 80 -f "$page" -l "$page" -singlefile "$workdir/report.pdf" docs/images/annual-report-page
echo "docs/images/annual-report-page.png: page $page of $($sample && echo 'the sample' || echo "the demo council's") report"
