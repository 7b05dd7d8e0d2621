"""Notes (XHTML for people) and annotations (mtorsim's namespace, for programs) on SBML elements.

Both are built as libSBML ``XMLNode`` trees, so libSBML does all escaping.  The
annotation vocabulary (namespace :data:`ANNOTATION_NS`, prefix ``mtorsim``):

* ``<mtorsim:parameter source=... unit=... description=... expression=.../>`` on
  parameters: the literature source and the unit the model file declares;
* ``<mtorsim:species unit=.../>``, ``<mtorsim:reaction basis=... rate=.../>``,
  ``<mtorsim:observable unit=... scale=.../>``, ``<mtorsim:assignment unit=.../>``;
* ``<mtorsim:model ...>`` on the model, holding ``<mtorsim:drug>`` (molar mass,
  routes with their target species or parameter) and ``<mtorsim:variant>``
  (parameter overrides in canonical units) elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libsbml

from ..errors import SBMLExportError

__all__ = ["ANNOTATION_NS", "XHTML_NS", "annotate", "element", "set_notes"]

XHTML_NS = "http://www.w3.org/1999/xhtml"
#: Namespace of mtorsim's annotations (versioned: a change of vocabulary bumps it).
ANNOTATION_NS = "https://mtorsim.org/sbml/annotation/1"
PREFIX = "mtorsim"


def set_notes(sbase: libsbml.SBase, paragraphs: Iterable[str]) -> None:
    """Replace the notes of ``sbase`` with one XHTML ``<p>`` per non-empty paragraph."""
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return
    ns = libsbml.XMLNamespaces()
    ns.add(XHTML_NS, "")
    body = libsbml.XMLNode(libsbml.XMLTriple("body", "", ""), libsbml.XMLAttributes(), ns)
    for text in paragraphs:
        p = libsbml.XMLNode(libsbml.XMLTriple("p", "", ""), libsbml.XMLAttributes())
        p.addChild(libsbml.XMLNode(libsbml.XMLToken(text)))
        body.addChild(p)
    _ok(sbase.setNotes(body), sbase, "notes")


def element(tag: str, attributes: Mapping[str, object], children: Iterable[libsbml.XMLNode] = (),
            *, declare: bool = False) -> libsbml.XMLNode:
    """An ``<mtorsim:TAG>`` node; empty attribute values are left out."""
    attrs = libsbml.XMLAttributes()
    for key, value in attributes.items():
        if value is None or value == "":
            continue
        attrs.add(key, value if isinstance(value, str) else repr(value))
    triple = libsbml.XMLTriple(tag, ANNOTATION_NS, PREFIX)
    if declare:
        ns = libsbml.XMLNamespaces()
        ns.add(ANNOTATION_NS, PREFIX)
        node = libsbml.XMLNode(triple, attrs, ns)
    else:
        node = libsbml.XMLNode(triple, attrs)
    for child in children:
        node.addChild(child)
    return node


def annotate(sbase: libsbml.SBase, tag: str, attributes: Mapping[str, object],
             children: Iterable[libsbml.XMLNode] = ()) -> None:
    """Append an ``<mtorsim:TAG ...>`` annotation (declaring the namespace) to ``sbase``."""
    _ok(sbase.appendAnnotation(element(tag, attributes, children, declare=True)), sbase, "annotation")


def _ok(code: int, sbase: libsbml.SBase, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:  # pragma: no cover - the nodes are built valid
        raise SBMLExportError(f"{sbase.getElementName()} {sbase.getId()!r}",
                              f"libSBML refused its {what}: {libsbml.OperationReturnValue_toString(code)}")
