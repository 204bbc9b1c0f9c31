"""Recognition agreements between members (issue 15): terms, documents, agreed node to node."""
