"""narrate: turn written reviews into finished, chaptered audio."""

__version__ = "0.1.0"
