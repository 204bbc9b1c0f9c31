"""Learner accounts: sign-in (password or one-time link), sessions, CSRF, share links."""
