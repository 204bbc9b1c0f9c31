"""Recognition of partners' credentials (issue 15): requests, conditions, decisions, appeals."""
