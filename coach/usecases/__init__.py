"""Use cases behind the CLI and the API: draft, critique and rewrite OKRs (the rubric always decides)."""
