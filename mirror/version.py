"""The version of mirror: one place, read by the package, the User-Agent and the build."""

__version__ = "0.1.0"
