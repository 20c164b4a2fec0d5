"""storydesk: reconcile many outlets' reports of the same events, claim by claim."""

__version__ = "0.1.0"
