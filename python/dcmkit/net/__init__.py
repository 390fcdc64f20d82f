"""DICOM networking: associations as SCU and servers whose handlers are Python callables (see
dcmkit.net.ae, where it is implemented)."""

from .ae import *  # noqa: F401,F403
from .ae import __all__, logger  # noqa: F401
