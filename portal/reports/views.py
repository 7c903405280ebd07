"""The commissioner's reports: the dashboard, its CSVs, the committee's PDF and the
provider scorecards. Every view is for council staff who monitor the contracts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")
