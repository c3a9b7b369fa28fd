"""The comparison report: every selected run, its metrics, curves and pictures, in one HTML file."""

from chromalab.runs.report.data import report_data
from chromalab.runs.report.html import render_html, write_report

__all__ = ["report_data", "render_html", "write_report"]
