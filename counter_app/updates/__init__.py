"""Counter updates (issue 12): what the province offers, the background download, the install on next start.

versions.py compares versions; offer.py records the offer and the staged file in `<data dir>/updates/`;
download.py fetches it through the sync transport with HTTP Range and verifies it; install.py backs up
the database and installs it on the next start (docs/updates.md).
"""
