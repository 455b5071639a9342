"""What leaves the app: CSV/Excel exports, HTML reports, action plans."""
