from .hooks import *  # noqa: F401,F403  (Wagtail auto-loads only modules of this name)
