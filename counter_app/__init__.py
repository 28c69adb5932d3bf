"""Counter app: the desktop software of the one-stop desks run by Vietnam Post."""

__version__ = "0.1.0"
