"""What the modules of dcmkit.net share: the "dcmkit.net" logger the library's log lines go to,
SOP class UIDs from keywords, seconds as milliseconds."""

import logging as _logging

from .. import _dcmkit
from .. import sop as _sop


_LOG_LEVELS = {"error": 0, "warning": 1, "info": 2, "debug": 3, "trace": 4}
# dcmkit's levels as the logging module's (trace is finer than DEBUG).
_TO_LOGGING = {0: _logging.ERROR, 1: _logging.WARNING, 2: _logging.INFO, 3: _logging.DEBUG, 4: 5}
logger = _logging.getLogger("dcmkit.net")


def _log(level, message):
    logger.log(_TO_LOGGING.get(level, _logging.INFO), "%s", message)


_dcmkit.set_log_sink(_log)


def _uid(sop_class):
    """A SOP class UID from a UID or a keyword of dcmkit.sop ("CTImageStorage")."""
    if not sop_class[:1].isdigit():
        uid = getattr(_sop, sop_class, None)
        if isinstance(uid, str):
            return uid
    return sop_class


def _ms(seconds):
    return None if seconds is None else int(round(float(seconds) * 1000))


def _handle(dataset):
    return None if dataset is None else dataset._ds
