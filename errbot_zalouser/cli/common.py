"""Types shared by the CLI's command modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]
"""A command: parsed arguments in, exit code out."""

AddCommand = Callable[[str, Handler, str], argparse.ArgumentParser]
"""Adds a subcommand (name, handler, help) that takes ``-c/--config``; returns its parser."""
