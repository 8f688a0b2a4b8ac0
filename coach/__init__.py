"""okr-coach: a deterministic OKR rubric, an LLM layer that proposes, and a service around both."""

__version__ = "0.1.0"
