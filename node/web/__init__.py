"""The employer-facing verification pages: server-rendered HTML, no JavaScript, no external
resources; English, German, Spanish and Finnish."""
