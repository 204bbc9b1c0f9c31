"""The institution's catalogue of learning opportunities (issue 14): entries with versions,
served as ELM 3 Learning Opportunity JSON-LD, HTML and JSON."""
