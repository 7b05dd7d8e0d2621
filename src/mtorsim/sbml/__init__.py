"""SBML: import (python-libsbml) into mtorsim's model."""

from .loading import check_sbml, load_sbml

__all__ = ["check_sbml", "load_sbml"]
