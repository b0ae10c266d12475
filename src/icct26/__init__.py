"""ICCT26: backend of the ICCT26 church cricket tournament."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("icct26")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
