"""impactlib — stories next to numbers for impact research in social work."""

__version__ = "0.1.0"
